//! The billing state of one organization, as the state machine sees it.

use chrono::{DateTime, Utc};

use crate::ids::{
    CheckoutSessionId, OrgId, PlanId, StripeCustomerId, StripeEventId, StripeInvoiceId, StripeScheduleId, StripeSubscriptionId,
};
use crate::money::Money;

/// Stripe's subscription status, plus `None` for an organization that never subscribed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    None,
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Unpaid,
    Paused,
    Canceled,
}

impl SubscriptionStatus {
    /// Every status, for tables and exhaustive tests.
    pub const ALL: [SubscriptionStatus; 9] = [
        Self::None,
        Self::Incomplete,
        Self::IncompleteExpired,
        Self::Trialing,
        Self::Active,
        Self::PastDue,
        Self::Unpaid,
        Self::Paused,
        Self::Canceled,
    ];

    /// The snake_case name used by Stripe and by our API.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Unpaid => "unpaid",
            Self::Paused => "paused",
            Self::Canceled => "canceled",
        }
    }

    /// Parses the snake_case name; `None` for anything unknown.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Statuses in which the subscribed plan's features apply (past_due only within grace).
    pub fn grants_paid_plan(&self) -> bool {
        matches!(self, Self::Trialing | Self::Active | Self::PastDue)
    }

    /// Statuses after which Stripe never changes the subscription again.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Canceled | Self::IncompleteExpired)
    }
}

/// The current billing period, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingPeriod {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl BillingPeriod {
    /// A period; `None` unless `start < end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Self> {
        (start < end).then_some(Self { start, end })
    }
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }
}

/// A plan change that takes effect later (a downgrade at period end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledChange {
    pub plan: PlanId,
    pub effective_at: DateTime<Utc>,
}

/// A Checkout session we sent the customer to and have not heard the end of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCheckout {
    pub session_id: CheckoutSessionId,
    pub plan: PlanId,
    pub created_at: DateTime<Utc>,
    /// Where the customer pays. Stripe stops returning it once the session closes, so it is
    /// kept here to offer the same session again (EC-18).
    pub url: Option<String>,
}

/// A payment attempt or success we heard of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub at: DateTime<Utc>,
    pub amount: Money,
    pub invoice_id: Option<StripeInvoiceId>,
    /// Stripe's hosted page of the invoice ("View invoice", "Update payment").
    pub hosted_invoice_url: Option<String>,
}

/// The newest subscription information applied, in Stripe's clock, so older snapshots never win.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    pub subscription_id: Option<StripeSubscriptionId>,
    pub created: DateTime<Utc>,
    /// The event that set the watermark; `None` when a timer did (a period end in Stripe's clock).
    pub event_id: Option<StripeEventId>,
}

/// The newest fact applied about one invoice, in Stripe's clock: an older fact about the same
/// invoice is stale, and a subscription snapshot older than it may not undo it unseen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceWatermark {
    pub invoice_id: StripeInvoiceId,
    /// The subscription the invoice bills, or the one tracked when the invoice names none.
    pub subscription_id: Option<StripeSubscriptionId>,
    /// Stripe's `created` of the newest event applied about the invoice.
    pub created: DateTime<Utc>,
}

/// The newest news applied about the subscription's schedule, so older schedule events never
/// undo it: a schedule event, or our own change to the scheduled change (a command, a timer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleWatermark {
    /// The schedule the news was about; `None` for our own changes and for a subscription
    /// snapshot saying that no schedule is attached.
    pub schedule_id: Option<StripeScheduleId>,
    /// True when the news was that schedule's end (released, canceled, completed).
    pub ended: bool,
    /// Stripe's `created` of the event; for our own changes, when they were made.
    pub created: DateTime<Utc>,
    pub event_id: Option<StripeEventId>,
}

/// Every field of a [`BillingState`], public, for storage adapters to persist and restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingStateParts {
    pub org_id: OrgId,
    pub plan: PlanId,
    pub subscribed_plan: Option<PlanId>,
    pub status: SubscriptionStatus,
    pub cancel_at_period_end: bool,
    pub period: Option<BillingPeriod>,
    pub scheduled_change: Option<ScheduledChange>,
    pub grace_until: Option<DateTime<Utc>>,
    pub pending_checkout: Option<PendingCheckout>,
    pub last_payment_attempt: Option<PaymentRecord>,
    pub last_payment_success: Option<PaymentRecord>,
    pub customer_id: Option<StripeCustomerId>,
    pub subscription_id: Option<StripeSubscriptionId>,
    pub canceled_at: Option<DateTime<Utc>>,
    pub recent_plan_changes: Vec<DateTime<Utc>>,
    pub watermark: Option<Watermark>,
    /// Subscriptions of this organization that ended, newest last (bounded); Stripe never
    /// revives one, so later news about them is stale whatever its timestamp.
    pub ended_subscriptions: Vec<StripeSubscriptionId>,
    /// The invoices heard of most recently, oldest first (bounded), each with its newest fact.
    pub invoice_watermarks: Vec<InvoiceWatermark>,
    pub schedule_watermark: Option<ScheduleWatermark>,
    pub version: u64,
}

/// The billing state of one organization. Only the state machine changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingState {
    pub(crate) p: BillingStateParts,
}

impl BillingState {
    /// A new organization: on the free plan, never subscribed, version 0.
    pub fn new(org_id: OrgId, free_plan: PlanId) -> Self {
        Self {
            p: BillingStateParts {
                org_id,
                plan: free_plan,
                subscribed_plan: None,
                status: SubscriptionStatus::None,
                cancel_at_period_end: false,
                period: None,
                scheduled_change: None,
                grace_until: None,
                pending_checkout: None,
                last_payment_attempt: None,
                last_payment_success: None,
                customer_id: None,
                subscription_id: None,
                canceled_at: None,
                recent_plan_changes: Vec::new(),
                watermark: None,
                ended_subscriptions: Vec::new(),
                invoice_watermarks: Vec::new(),
                schedule_watermark: None,
                version: 0,
            },
        }
    }

    /// Restores a state that a storage adapter persisted.
    pub fn from_parts(parts: BillingStateParts) -> Self {
        Self { p: parts }
    }

    /// The same state as stored at `version` (after a commit bumped it).
    pub fn with_version(mut self, version: u64) -> Self {
        self.p.version = version;
        self
    }

    /// Every field, for a storage adapter to persist.
    pub fn to_parts(&self) -> BillingStateParts {
        self.p.clone()
    }

    pub fn org_id(&self) -> &OrgId {
        &self.p.org_id
    }
    /// The plan whose limits apply now.
    pub fn plan(&self) -> &PlanId {
        &self.p.plan
    }
    /// The plan of the Stripe subscription, which may differ from [`Self::plan`] when access
    /// is suspended (grace ran out, unpaid, paused).
    pub fn subscribed_plan(&self) -> Option<&PlanId> {
        self.p.subscribed_plan.as_ref()
    }
    pub fn status(&self) -> SubscriptionStatus {
        self.p.status
    }
    pub fn cancel_at_period_end(&self) -> bool {
        self.p.cancel_at_period_end
    }
    pub fn period(&self) -> Option<BillingPeriod> {
        self.p.period
    }
    pub fn scheduled_change(&self) -> Option<&ScheduledChange> {
        self.p.scheduled_change.as_ref()
    }
    pub fn grace_until(&self) -> Option<DateTime<Utc>> {
        self.p.grace_until
    }
    pub fn pending_checkout(&self) -> Option<&PendingCheckout> {
        self.p.pending_checkout.as_ref()
    }
    pub fn last_payment_attempt(&self) -> Option<&PaymentRecord> {
        self.p.last_payment_attempt.as_ref()
    }
    pub fn last_payment_success(&self) -> Option<&PaymentRecord> {
        self.p.last_payment_success.as_ref()
    }
    pub fn customer_id(&self) -> Option<&StripeCustomerId> {
        self.p.customer_id.as_ref()
    }
    pub fn subscription_id(&self) -> Option<&StripeSubscriptionId> {
        self.p.subscription_id.as_ref()
    }
    pub fn canceled_at(&self) -> Option<DateTime<Utc>> {
        self.p.canceled_at
    }
    pub fn recent_plan_changes(&self) -> &[DateTime<Utc>] {
        &self.p.recent_plan_changes
    }
    pub fn watermark(&self) -> Option<&Watermark> {
        self.p.watermark.as_ref()
    }
    /// Recently ended subscriptions, newest last.
    pub fn ended_subscriptions(&self) -> &[StripeSubscriptionId] {
        &self.p.ended_subscriptions
    }
    /// The invoices heard of most recently with their newest applied fact, oldest first.
    pub fn invoice_watermarks(&self) -> &[InvoiceWatermark] {
        &self.p.invoice_watermarks
    }
    pub fn schedule_watermark(&self) -> Option<&ScheduleWatermark> {
        self.p.schedule_watermark.as_ref()
    }
    /// The optimistic-locking version this state was loaded at.
    pub fn version(&self) -> u64 {
        self.p.version
    }

    /// True when the organization has a live Stripe subscription (not ended).
    pub fn has_live_subscription(&self) -> bool {
        self.p.subscription_id.is_some() && !matches!(self.p.status, SubscriptionStatus::None) && !self.p.status.is_terminal()
    }
}
