//! What can happen to an organization's billing: facts from Stripe, user commands and timers.

use chrono::{DateTime, Utc};

use crate::catalog::Usage;
use crate::ids::{
    CheckoutSessionId, OrgId, PlanId, StripeChargeId, StripeCustomerId, StripeDisputeId, StripeEventId, StripeInvoiceId, StripePriceId,
    StripeScheduleId, StripeSubscriptionId,
};
use crate::money::Money;
use crate::refund::RefundOrder;
use crate::state::{BillingPeriod, SubscriptionStatus};

/// A Stripe subscription as one event (or one API read) rendered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSnapshot {
    pub id: StripeSubscriptionId,
    pub customer_id: StripeCustomerId,
    /// Stripe's status; never [`SubscriptionStatus::None`].
    pub status: SubscriptionStatus,
    pub price_id: StripePriceId,
    pub cancel_at_period_end: bool,
    pub period: BillingPeriod,
    pub canceled_at: Option<DateTime<Utc>>,
    /// `metadata.org_id` when it is a valid organization id: who the subscription was sold to.
    pub org_id: Option<OrgId>,
    /// The schedule controlling the subscription (`schedule`), if any.
    pub schedule_id: Option<StripeScheduleId>,
}

/// Stripe's status of a subscription schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleStatus {
    NotStarted,
    Active,
    Completed,
    Released,
    Canceled,
}

impl ScheduleStatus {
    /// True once the schedule controls its subscription no more; Stripe never revives one.
    pub fn has_ended(&self) -> bool {
        matches!(self, Self::Completed | Self::Released | Self::Canceled)
    }
}

/// The phase a schedule moves its subscription to next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePhase {
    pub price_id: StripePriceId,
    pub starts_at: DateTime<Utc>,
}

/// A subscription schedule as one event rendered it (made by our API, the Customer Portal or
/// the Dashboard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSnapshot {
    pub id: StripeScheduleId,
    /// The subscription it controls, or controlled until it was released.
    pub subscription_id: Option<StripeSubscriptionId>,
    pub status: ScheduleStatus,
    /// The first phase after the one running now, if any.
    pub next_phase: Option<SchedulePhase>,
}

/// `invoice.upcoming`: the invoice a subscription will bill when it renews (it has no id yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpcomingInvoice {
    pub subscription_id: Option<StripeSubscriptionId>,
    pub customer_id: Option<StripeCustomerId>,
    /// `amount_due`: what the renewal will charge.
    pub amount: Money,
    /// When the subscription renews (the end of the period the invoice closes).
    pub renews_at: DateTime<Utc>,
}

/// A dispute (chargeback) of one charge; Stripe's dispute carries no customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeFact {
    pub id: StripeDisputeId,
    pub charge_id: StripeChargeId,
    pub amount: Money,
    /// Stripe's `reason` (`fraudulent`, `product_not_received`, ...), as Stripe spells it.
    pub reason: String,
    /// Stripe's `status` (`needs_response`, `won`, `lost`, ...), as Stripe spells it.
    pub status: String,
}

/// A Checkout session that Stripe reports as completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutCompletion {
    pub session_id: CheckoutSessionId,
    pub customer_id: Option<StripeCustomerId>,
    pub subscription_id: Option<StripeSubscriptionId>,
    /// `status=complete`.
    pub complete: bool,
    /// `payment_status` is `paid` or `no_payment_required`.
    pub paid: bool,
}

/// An invoice event's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFact {
    pub invoice_id: StripeInvoiceId,
    pub subscription_id: Option<StripeSubscriptionId>,
    pub customer_id: Option<StripeCustomerId>,
    pub amount: Money,
    /// When Stripe will try again (`next_payment_attempt`), for failures.
    pub next_attempt: Option<DateTime<Utc>>,
    /// Stripe's hosted page where the customer can see and pay the invoice.
    pub hosted_invoice_url: Option<String>,
}

/// What a Stripe event tells us, already mapped out of Stripe's wire format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StripeFact {
    CheckoutCompleted(CheckoutCompletion),
    CheckoutExpired {
        session_id: CheckoutSessionId,
    },
    /// `customer.subscription.created` or `.updated`.
    SubscriptionChanged(SubscriptionSnapshot),
    SubscriptionDeleted(SubscriptionSnapshot),
    InvoicePaymentFailed(InvoiceFact),
    /// `invoice.paid` or `invoice.payment_succeeded`: the same invoice counts once.
    InvoicePaid(InvoiceFact),
    InvoiceActionRequired(InvoiceFact),
    ChargeRefunded {
        customer_id: Option<StripeCustomerId>,
        amount_refunded: Money,
        fully_refunded: bool,
    },
    /// `customer.subscription.trial_will_end`, three days (or so) before the trial ends.
    TrialWillEnd {
        subscription_id: StripeSubscriptionId,
        ends_at: DateTime<Utc>,
    },
    InvoiceUpcoming(UpcomingInvoice),
    /// Any `subscription_schedule.*` event: each carries the whole schedule.
    ScheduleChanged(ScheduleSnapshot),
    DisputeOpened(DisputeFact),
    DisputeClosed(DisputeFact),
}

/// One verified Stripe event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeEvent {
    pub id: StripeEventId,
    /// Stripe's `created`, in Stripe's clock.
    pub created: DateTime<Utc>,
    pub fact: StripeFact,
}

/// Who asked for a command, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(String),
    Admin(String),
    System,
}

/// Something a user or an operator asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    StartCheckout {
        plan: PlanId,
    },
    /// Stripe created the session that [`Command::StartCheckout`] asked for.
    CheckoutOpened {
        session_id: CheckoutSessionId,
        plan: PlanId,
        customer_id: StripeCustomerId,
        /// The session's payment page, kept to offer it again while the checkout is pending.
        url: Option<String>,
    },
    CancelAtPeriodEnd,
    Reactivate,
    ChangePlan {
        plan: PlanId,
        /// The instant prorations are computed at; `None` means now. A quoted change passes the
        /// quote's instant so the customer pays what the preview showed.
        proration_date: Option<DateTime<Utc>>,
        /// The organization's usage, checked against a lower plan's limits; `None` skips the check.
        usage: Option<Usage>,
    },
    CancelScheduledChange,
    AdminCancelNow,
    /// Applies the subscription as Stripe's API returns it now, on an operator's or the
    /// server's behalf; audited as a reconcile with who asked.
    Reconcile(SubscriptionSnapshot),
    /// Refunds (part of) a charge of the organization's Stripe customer (operators only).
    Refund(RefundOrder),
}

/// A moment the state machine waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    PeriodEnd,
    GraceExpired,
    PendingCheckoutExpired,
}

impl Timer {
    pub fn as_str(&self) -> &'static str {
        match self {
            Timer::PeriodEnd => "period_end",
            Timer::GraceExpired => "grace_expired",
            Timer::PendingCheckoutExpired => "pending_checkout_expired",
        }
    }
}

/// Any input to [`crate::decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stripe(StripeEvent),
    /// The subscription as Stripe's API returns it now; authoritative (settles ties, reconciles).
    SubscriptionFetched(SubscriptionSnapshot),
    Command {
        actor: Actor,
        command: Command,
    },
    Timer(Timer),
    /// The customer returned from a Checkout session that Stripe reports complete and paid.
    /// Fulfils exactly like `checkout.session.completed`: whichever comes first applies.
    CheckoutVerified(CheckoutCompletion),
}

impl Input {
    /// A short name of the input, for errors and audit rows.
    pub fn name(&self) -> &'static str {
        match self {
            Input::Stripe(e) => e.fact.name(),
            Input::SubscriptionFetched(_) => "subscription_fetched",
            Input::Command { command, .. } => command.name(),
            Input::Timer(t) => t.as_str(),
            Input::CheckoutVerified(_) => "checkout_verified",
        }
    }
}

impl StripeFact {
    pub fn name(&self) -> &'static str {
        match self {
            StripeFact::CheckoutCompleted(_) => "checkout_completed",
            StripeFact::CheckoutExpired { .. } => "checkout_expired",
            StripeFact::SubscriptionChanged(_) => "subscription_changed",
            StripeFact::SubscriptionDeleted(_) => "subscription_deleted",
            StripeFact::InvoicePaymentFailed(_) => "invoice_payment_failed",
            StripeFact::InvoicePaid(_) => "invoice_paid",
            StripeFact::InvoiceActionRequired(_) => "invoice_action_required",
            StripeFact::ChargeRefunded { .. } => "charge_refunded",
            StripeFact::TrialWillEnd { .. } => "trial_will_end",
            StripeFact::InvoiceUpcoming(_) => "invoice_upcoming",
            StripeFact::ScheduleChanged(_) => "schedule_changed",
            StripeFact::DisputeOpened(_) => "dispute_opened",
            StripeFact::DisputeClosed(_) => "dispute_closed",
        }
    }
}

impl Command {
    /// A plan change at the current instant, without a usage check.
    pub fn change_plan(plan: PlanId) -> Self {
        Command::ChangePlan { plan, proration_date: None, usage: None }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Command::StartCheckout { .. } => "start_checkout",
            Command::CheckoutOpened { .. } => "checkout_opened",
            Command::CancelAtPeriodEnd => "cancel_at_period_end",
            Command::Reactivate => "reactivate",
            Command::ChangePlan { .. } => "change_plan",
            Command::CancelScheduledChange => "cancel_scheduled_change",
            Command::AdminCancelNow => "admin_cancel_now",
            Command::Reconcile(_) => "reconcile",
            Command::Refund(_) => "refund",
        }
    }
}
