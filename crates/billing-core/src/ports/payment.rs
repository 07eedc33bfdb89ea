//! The payment-provider port: the Stripe operations the use cases need, in domain terms.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ids::{CheckoutSessionId, IdempotencyKey, OrgId, StripeChargeId, StripeCustomerId, StripePriceId, StripeSubscriptionId};
use crate::input::SubscriptionSnapshot;
use crate::invoice::InvoiceSummary;
use crate::money::Money;
use crate::refund::{ChargeSnapshot, Refund, RefundReason};

/// A Checkout session to open in subscription mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub org_id: OrgId,
    pub customer: StripeCustomerId,
    pub price: StripePriceId,
    /// Must keep the literal `{CHECKOUT_SESSION_ID}` for Stripe to substitute.
    pub success_url: String,
    pub cancel_url: String,
    /// When Stripe closes the session (at most 24 h after it opens).
    pub expires_at: DateTime<Utc>,
}

/// An opened Checkout session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: CheckoutSessionId,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// A Checkout session as Stripe reports it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSessionInfo {
    pub id: CheckoutSessionId,
    /// `status=complete`.
    pub complete: bool,
    /// `payment_status` is `paid` or `no_payment_required`.
    pub paid: bool,
    pub customer: Option<StripeCustomerId>,
    pub subscription: Option<StripeSubscriptionId>,
    /// `client_reference_id` or `metadata.org_id`, whichever is set.
    pub org_reference: Option<String>,
}

/// A billing-portal session; the URL is short-lived and never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    pub url: String,
}

/// An immediate price change with proration invoiced now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceChange {
    pub customer: StripeCustomerId,
    pub subscription: StripeSubscriptionId,
    pub price: StripePriceId,
    pub proration_date: DateTime<Utc>,
}

/// A downgrade at period end through a subscription schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledDowngrade {
    pub subscription: StripeSubscriptionId,
    pub current_price: StripePriceId,
    pub price: StripePriceId,
    pub effective_at: DateTime<Utc>,
}

/// What Stripe's invoice preview says a price change would cost now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProrationPreview {
    /// The sum of the proration lines.
    pub proration: Money,
    /// The preview invoice's `amount_due`.
    pub amount_due: Money,
    pub proration_date: DateTime<Utc>,
}

/// A refund to create: (part of) a charge, tagged with the organization it was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub org_id: OrgId,
    pub charge: StripeChargeId,
    /// `None` refunds what is left of the charge.
    pub amount: Option<Money>,
    pub reason: Option<RefundReason>,
}

/// Why a payment-provider call failed. Business variants first.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("card declined ({code})")]
    CardDeclined { code: String, decline_code: Option<String>, user_message: Option<String> },
    /// The charge a change needed failed, so the provider left the subscription as it was.
    #[error("the payment for the change failed")]
    PaymentFailed { hosted_invoice_url: Option<String>, user_message: Option<String> },
    /// The charge a change needed waits for the customer to authenticate (3-D Secure); the
    /// subscription stays as it was until they do.
    #[error("the payment for the change requires the customer's action")]
    PaymentRequiresAction { hosted_invoice_url: Option<String> },
    #[error("request rejected by the provider (param {param:?})")]
    InvalidRequest { param: Option<String>, code: Option<String> },
    #[error("{resource} not found at the provider")]
    NotFound { resource: String },
    #[error("payment provider is not configured")]
    NotConfigured,
    #[error("payment provider rate limit reached")]
    RateLimited,
    #[error("payment provider timed out")]
    Timeout,
    #[error("payment provider unavailable")]
    Unavailable,
    #[error("payment provider rejected our credentials")]
    Authentication,
    #[error("payment provider denied permission")]
    PermissionDenied,
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl PaymentError {
    /// True for failures where trying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::RateLimited | Self::Timeout | Self::Unavailable)
    }
}

/// The payment provider (Stripe). Every mutating call takes the idempotency key to reuse on retries.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    /// Creates a customer tagged with `metadata[org_id]`.
    async fn create_customer(&self, org: &OrgId, email: Option<String>, key: &IdempotencyKey) -> Result<StripeCustomerId, PaymentError>;
    async fn create_checkout_session(&self, request: &CheckoutRequest, key: &IdempotencyKey) -> Result<CheckoutSession, PaymentError>;
    async fn retrieve_checkout_session(&self, id: &CheckoutSessionId) -> Result<CheckoutSessionInfo, PaymentError>;
    async fn create_portal_session(
        &self,
        customer: &StripeCustomerId,
        return_url: &str,
        key: &IdempotencyKey,
    ) -> Result<PortalSession, PaymentError>;
    async fn retrieve_subscription(&self, id: &StripeSubscriptionId) -> Result<SubscriptionSnapshot, PaymentError>;
    async fn set_cancel_at_period_end(
        &self,
        id: &StripeSubscriptionId,
        cancel: bool,
        key: &IdempotencyKey,
    ) -> Result<SubscriptionSnapshot, PaymentError>;
    /// Switches the price now and charges the proration at once. The change must apply only
    /// when the charge succeeds (Stripe's `payment_behavior=pending_if_incomplete`): a declined
    /// charge is [`PaymentError::PaymentFailed`], one awaiting authentication
    /// [`PaymentError::PaymentRequiresAction`], and the subscription keeps its price.
    async fn change_price_now(&self, change: &PriceChange, key: &IdempotencyKey) -> Result<SubscriptionSnapshot, PaymentError>;
    async fn schedule_downgrade(&self, downgrade: &ScheduledDowngrade, key: &IdempotencyKey) -> Result<(), PaymentError>;
    /// Releases the subscription's schedule, keeping the subscription as it is now.
    async fn release_schedule(&self, id: &StripeSubscriptionId, key: &IdempotencyKey) -> Result<(), PaymentError>;
    async fn cancel_now(&self, id: &StripeSubscriptionId, key: &IdempotencyKey) -> Result<SubscriptionSnapshot, PaymentError>;
    async fn preview_proration(&self, change: &PriceChange) -> Result<ProrationPreview, PaymentError>;
    /// Reads a charge, to learn whose it is and how much of it is left to refund.
    async fn retrieve_charge(&self, id: &StripeChargeId) -> Result<ChargeSnapshot, PaymentError>;
    /// Creates a refund; the same key with the same request replays Stripe's first answer.
    async fn create_refund(&self, request: &RefundRequest, key: &IdempotencyKey) -> Result<Refund, PaymentError>;
    /// The customer's latest invoices, newest first, at most `limit` (1 to 100).
    async fn list_invoices(&self, customer: &StripeCustomerId, limit: u32) -> Result<Vec<InvoiceSummary>, PaymentError>;
}
