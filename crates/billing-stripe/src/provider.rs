//! `impl PaymentProvider for StripeClient`: the port's operations composed from the endpoint
//! calls in [`crate::ops`], with wire types turned into billing-core's.

use async_trait::async_trait;
use billing_core::ports::{
    CheckoutRequest, CheckoutSession, CheckoutSessionInfo, PaymentError, PaymentProvider, PortalSession, PriceChange, ProrationPreview,
    RefundRequest, ScheduledDowngrade,
};
use billing_core::{
    ChargeSnapshot, CheckoutSessionId, IdempotencyKey, InvoiceSummary, OrgId, Refund, StripeChargeId, StripeCustomerId,
    StripeSubscriptionId, SubscriptionSnapshot,
};
use chrono::{DateTime, Utc};

use crate::client::StripeClient;
use crate::convert::{self, parse_id, ConvertError};
use crate::error::StripeError;
use crate::ops::{step_key, DowngradePhases};
use crate::pending::pending_change_error;
use crate::refunds;
use crate::wire;

/// A conversion failure as the port's error.
fn converted<T>(result: Result<T, ConvertError>) -> Result<T, PaymentError> {
    result.map_err(|error| StripeError::conversion(error).into())
}

fn snapshot(subscription: &wire::Subscription) -> Result<SubscriptionSnapshot, PaymentError> {
    converted(SubscriptionSnapshot::try_from(subscription))
}

/// The id of the subscription's first (only) item.
fn first_item_id(subscription: &wire::Subscription) -> Result<&str, PaymentError> {
    let item = subscription.items.data.first().ok_or(ConvertError::Missing("items.data[0].id"));
    converted(item).map(|item| item.id.as_str())
}

/// Where phase 0 of a downgrade starts: the schedule's current phase, else the current period.
fn current_phase_start(schedule: &wire::SubscriptionSchedule, subscription: &wire::Subscription) -> Result<DateTime<Utc>, PaymentError> {
    let from_period = || subscription.items.data.first().and_then(|item| item.current_period_start).or(subscription.current_period_start);
    let start = schedule.current_phase_start().or_else(from_period).ok_or(ConvertError::Missing("current_phase.start_date"));
    converted(start.and_then(|secs| convert::timestamp("current_phase.start_date", secs)))
}

impl StripeClient {
    /// The schedule attached to the subscription, or a new one made from it.
    async fn schedule_for(&self, subscription: &wire::Subscription, key: &str) -> Result<wire::SubscriptionSchedule, PaymentError> {
        match &subscription.schedule {
            Some(wire::Expandable::Object(existing)) => return Ok((**existing).clone()),
            Some(wire::Expandable::Id(id)) => return Ok(self.subscription_schedules_retrieve(id).await?),
            None => {}
        }
        let id = converted(parse_id::<StripeSubscriptionId>("id", &subscription.id))?;
        Ok(self.subscription_schedules_create_from_subscription(&id, &step_key(key, "create")).await?)
    }

    /// The error for a change Stripe left pending: its payment failed or waits for the customer.
    ///
    /// The PaymentIntent is read when the response names it without expanding it (Stripe expands
    /// at most four levels, one short of it from a subscription). The change stays pending
    /// whatever this read gives, so a failed read degrades to "payment failed" rather than
    /// hiding the outcome behind a transport error.
    async fn pending_change_error(&self, subscription: &wire::Subscription) -> PaymentError {
        let invoice = subscription.latest_invoice.as_ref().and_then(wire::Expandable::object);
        let intent = match invoice.and_then(wire::Invoice::payment_intent) {
            Some(wire::Expandable::Object(intent)) => Some((**intent).clone()),
            Some(wire::Expandable::Id(id)) => match self.payment_intents_retrieve(id).await {
                Ok(intent) => Some(intent),
                Err(error) => {
                    tracing::warn!(request_id = error.request_id(), %error, "could not read the pending change's payment");
                    None
                }
            },
            None => None,
        };
        pending_change_error(invoice, intent.as_ref())
    }
}

#[async_trait]
impl PaymentProvider for StripeClient {
    async fn create_customer(&self, org: &OrgId, email: Option<String>, key: &IdempotencyKey) -> Result<StripeCustomerId, PaymentError> {
        let customer = self.customers_create(org, email.as_deref(), key.as_str()).await?;
        converted(parse_id("id", &customer.id))
    }

    async fn create_checkout_session(&self, request: &CheckoutRequest, key: &IdempotencyKey) -> Result<CheckoutSession, PaymentError> {
        let session = self.checkout_sessions_create(request, key.as_str()).await?;
        converted(CheckoutSession::try_from(&session))
    }

    async fn retrieve_checkout_session(&self, id: &CheckoutSessionId) -> Result<CheckoutSessionInfo, PaymentError> {
        let session = self.checkout_sessions_retrieve(id).await?;
        converted(CheckoutSessionInfo::try_from(&session))
    }

    async fn create_portal_session(
        &self,
        customer: &StripeCustomerId,
        return_url: &str,
        key: &IdempotencyKey,
    ) -> Result<PortalSession, PaymentError> {
        let session = self.billing_portal_sessions_create(customer, return_url, key.as_str()).await?;
        let url = converted(session.url.ok_or(ConvertError::Missing("url")))?;
        Ok(PortalSession { url })
    }

    async fn retrieve_subscription(&self, id: &StripeSubscriptionId) -> Result<SubscriptionSnapshot, PaymentError> {
        snapshot(&self.subscriptions_retrieve(id, false).await?)
    }

    async fn set_cancel_at_period_end(
        &self,
        id: &StripeSubscriptionId,
        cancel: bool,
        key: &IdempotencyKey,
    ) -> Result<SubscriptionSnapshot, PaymentError> {
        snapshot(&self.subscriptions_set_cancel_at_period_end(id, cancel, key.as_str()).await?)
    }

    async fn change_price_now(&self, change: &PriceChange, key: &IdempotencyKey) -> Result<SubscriptionSnapshot, PaymentError> {
        let current = self.subscriptions_retrieve(&change.subscription, false).await?;
        let item_id = first_item_id(&current)?;
        let updated =
            self.subscriptions_change_price(&change.subscription, item_id, &change.price, change.proration_date, key.as_str()).await?;
        if updated.pending_update.is_some() {
            return Err(self.pending_change_error(&updated).await);
        }
        snapshot(&updated)
    }

    async fn schedule_downgrade(&self, downgrade: &ScheduledDowngrade, key: &IdempotencyKey) -> Result<(), PaymentError> {
        let subscription = self.subscriptions_retrieve(&downgrade.subscription, true).await?;
        let schedule = self.schedule_for(&subscription, key.as_str()).await?;
        let phases = DowngradePhases {
            current_price: downgrade.current_price.clone(),
            current_start: current_phase_start(&schedule, &subscription)?,
            switch_at: downgrade.effective_at,
            next_price: downgrade.price.clone(),
        };
        self.subscription_schedules_set_downgrade_phases(&schedule.id, &phases, &step_key(key.as_str(), "phases")).await?;
        Ok(())
    }

    async fn release_schedule(&self, id: &StripeSubscriptionId, key: &IdempotencyKey) -> Result<(), PaymentError> {
        let subscription = self.subscriptions_retrieve(id, false).await?;
        if let Some(schedule) = &subscription.schedule {
            self.subscription_schedules_release(schedule.id(), key.as_str()).await?;
        }
        Ok(())
    }

    async fn cancel_now(&self, id: &StripeSubscriptionId, _key: &IdempotencyKey) -> Result<SubscriptionSnapshot, PaymentError> {
        snapshot(&self.subscriptions_cancel(id).await?)
    }

    async fn preview_proration(&self, change: &PriceChange) -> Result<ProrationPreview, PaymentError> {
        let current = self.subscriptions_retrieve(&change.subscription, false).await?;
        let item_id = first_item_id(&current)?;
        // Previews take no key from the caller; one derived from the change itself is stable.
        let key = format!("billing:preview:{}:{}:{}", change.subscription, change.price, change.proration_date.timestamp());
        let invoice = self.invoices_create_preview(change, item_id, &step_key(&key, "preview")).await?;
        converted(convert::proration_preview(&invoice, change.proration_date))
    }

    async fn retrieve_charge(&self, id: &StripeChargeId) -> Result<ChargeSnapshot, PaymentError> {
        converted(refunds::charge_snapshot(&self.charges_retrieve(id).await?))
    }

    async fn create_refund(&self, request: &RefundRequest, key: &IdempotencyKey) -> Result<Refund, PaymentError> {
        converted(refunds::refund(&self.refunds_create(request, key.as_str()).await?))
    }

    async fn list_invoices(&self, customer: &StripeCustomerId, limit: u32) -> Result<Vec<InvoiceSummary>, PaymentError> {
        let page = self.invoices_list(customer, limit).await?;
        converted(crate::invoices::summaries(&page.data))
    }
}
