//! Server-side adapters: Stripe metering and the "Stripe not configured" provider. Opening the
//! store is billing-wiring's, shared with billing-admin.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use billing_core::ports::{
    CheckoutRequest, CheckoutSession, CheckoutSessionInfo, PaymentError, PaymentProvider, PortalSession, PriceChange, ProrationPreview,
    RefundRequest, ScheduledDowngrade,
};
use billing_core::{
    ChargeSnapshot, CheckoutSessionId, IdempotencyKey, InvoiceSummary, OrgId, Refund, StripeChargeId, StripeCustomerId,
    StripeSubscriptionId, SubscriptionSnapshot,
};

use crate::metrics::Metrics;

/// Answers every call with [`PaymentError::NotConfigured`] when no Stripe key is set.
#[derive(Debug, Default)]
pub struct UnconfiguredPayments;

#[async_trait]
impl PaymentProvider for UnconfiguredPayments {
    async fn create_customer(&self, _: &OrgId, _: Option<String>, _: &IdempotencyKey) -> Result<StripeCustomerId, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn create_checkout_session(&self, _: &CheckoutRequest, _: &IdempotencyKey) -> Result<CheckoutSession, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn retrieve_checkout_session(&self, _: &CheckoutSessionId) -> Result<CheckoutSessionInfo, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn create_portal_session(&self, _: &StripeCustomerId, _: &str, _: &IdempotencyKey) -> Result<PortalSession, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn retrieve_subscription(&self, _: &StripeSubscriptionId) -> Result<SubscriptionSnapshot, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn set_cancel_at_period_end(
        &self,
        _: &StripeSubscriptionId,
        _: bool,
        _: &IdempotencyKey,
    ) -> Result<SubscriptionSnapshot, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn change_price_now(&self, _: &PriceChange, _: &IdempotencyKey) -> Result<SubscriptionSnapshot, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn schedule_downgrade(&self, _: &ScheduledDowngrade, _: &IdempotencyKey) -> Result<(), PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn release_schedule(&self, _: &StripeSubscriptionId, _: &IdempotencyKey) -> Result<(), PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn cancel_now(&self, _: &StripeSubscriptionId, _: &IdempotencyKey) -> Result<SubscriptionSnapshot, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn preview_proration(&self, _: &PriceChange) -> Result<ProrationPreview, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn retrieve_charge(&self, _: &StripeChargeId) -> Result<ChargeSnapshot, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn create_refund(&self, _: &RefundRequest, _: &IdempotencyKey) -> Result<Refund, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
    async fn list_invoices(&self, _: &StripeCustomerId, _: u32) -> Result<Vec<InvoiceSummary>, PaymentError> {
        Err(PaymentError::NotConfigured)
    }
}

/// Counts and times every Stripe call by operation and outcome.
pub struct MeteredPayments {
    inner: Arc<dyn PaymentProvider>,
    metrics: Metrics,
}

impl std::fmt::Debug for MeteredPayments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MeteredPayments { .. }")
    }
}

impl MeteredPayments {
    pub fn new(inner: Arc<dyn PaymentProvider>, metrics: Metrics) -> Self {
        Self { inner, metrics }
    }

    async fn timed<T>(&self, operation: &str, call: impl Future<Output = Result<T, PaymentError>>) -> Result<T, PaymentError> {
        let started = Instant::now();
        let result = call.await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) if e.is_transient() => "transient_error",
            Err(PaymentError::CardDeclined { .. }) => "card_declined",
            Err(PaymentError::NotConfigured) => "not_configured",
            Err(_) => "error",
        };
        self.metrics.stripe_calls.with_label_values(&[operation, outcome]).inc();
        self.metrics.stripe_call_seconds.with_label_values(&[operation]).observe(started.elapsed().as_secs_f64());
        result
    }
}

#[async_trait]
impl PaymentProvider for MeteredPayments {
    async fn create_customer(&self, org: &OrgId, email: Option<String>, key: &IdempotencyKey) -> Result<StripeCustomerId, PaymentError> {
        self.timed("create_customer", self.inner.create_customer(org, email, key)).await
    }
    async fn create_checkout_session(&self, r: &CheckoutRequest, key: &IdempotencyKey) -> Result<CheckoutSession, PaymentError> {
        self.timed("create_checkout_session", self.inner.create_checkout_session(r, key)).await
    }
    async fn retrieve_checkout_session(&self, id: &CheckoutSessionId) -> Result<CheckoutSessionInfo, PaymentError> {
        self.timed("retrieve_checkout_session", self.inner.retrieve_checkout_session(id)).await
    }
    async fn create_portal_session(&self, c: &StripeCustomerId, url: &str, key: &IdempotencyKey) -> Result<PortalSession, PaymentError> {
        self.timed("create_portal_session", self.inner.create_portal_session(c, url, key)).await
    }
    async fn retrieve_subscription(&self, id: &StripeSubscriptionId) -> Result<SubscriptionSnapshot, PaymentError> {
        self.timed("retrieve_subscription", self.inner.retrieve_subscription(id)).await
    }
    async fn set_cancel_at_period_end(
        &self,
        id: &StripeSubscriptionId,
        cancel: bool,
        key: &IdempotencyKey,
    ) -> Result<SubscriptionSnapshot, PaymentError> {
        self.timed("set_cancel_at_period_end", self.inner.set_cancel_at_period_end(id, cancel, key)).await
    }
    async fn change_price_now(&self, change: &PriceChange, key: &IdempotencyKey) -> Result<SubscriptionSnapshot, PaymentError> {
        self.timed("change_price_now", self.inner.change_price_now(change, key)).await
    }
    async fn schedule_downgrade(&self, d: &ScheduledDowngrade, key: &IdempotencyKey) -> Result<(), PaymentError> {
        self.timed("schedule_downgrade", self.inner.schedule_downgrade(d, key)).await
    }
    async fn release_schedule(&self, id: &StripeSubscriptionId, key: &IdempotencyKey) -> Result<(), PaymentError> {
        self.timed("release_schedule", self.inner.release_schedule(id, key)).await
    }
    async fn cancel_now(&self, id: &StripeSubscriptionId, key: &IdempotencyKey) -> Result<SubscriptionSnapshot, PaymentError> {
        self.timed("cancel_now", self.inner.cancel_now(id, key)).await
    }
    async fn preview_proration(&self, change: &PriceChange) -> Result<ProrationPreview, PaymentError> {
        self.timed("preview_proration", self.inner.preview_proration(change)).await
    }
    async fn retrieve_charge(&self, id: &StripeChargeId) -> Result<ChargeSnapshot, PaymentError> {
        self.timed("retrieve_charge", self.inner.retrieve_charge(id)).await
    }
    async fn create_refund(&self, request: &RefundRequest, key: &IdempotencyKey) -> Result<Refund, PaymentError> {
        self.timed("create_refund", self.inner.create_refund(request, key)).await
    }
    async fn list_invoices(&self, customer: &StripeCustomerId, limit: u32) -> Result<Vec<InvoiceSummary>, PaymentError> {
        self.timed("list_invoices", self.inner.list_invoices(customer, limit)).await
    }
}
