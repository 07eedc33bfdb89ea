//! Notices as data: the banners an organization should see, and the notifications to send.

use chrono::{DateTime, Utc};

use crate::ids::{CheckoutSessionId, PlanId, StripeDisputeId, StripeSubscriptionId};
use crate::money::Money;
use crate::state::{BillingState, SubscriptionStatus};

/// Something to tell the organization; rendering into words is the caller's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A payment failed; paid features stay until `grace_until`.
    PaymentFailed { grace_until: DateTime<Utc>, amount: Option<Money> },
    /// Paid features are suspended (grace ran out, unpaid or paused) until a payment succeeds.
    FeaturesSuspended { status: SubscriptionStatus },
    /// The bank asks the customer to authenticate a payment.
    PaymentActionRequired,
    /// The subscription ends at period end ("Your subscription will end on DATE").
    EndsOn { date: DateTime<Utc> },
    /// A downgrade is scheduled ("Your plan will change to X on DATE").
    PlanChangesOn { plan: PlanId, date: DateTime<Utc> },
    /// The subscription is canceled; the organization is on the free plan, data kept.
    Canceled { at: Option<DateTime<Utc>> },
    /// A checkout is under way.
    CheckoutInProgress { session_id: CheckoutSessionId, started_at: DateTime<Utc> },
    /// The plan changed (notification only).
    PlanChanged { from: PlanId, to: PlanId },
    /// A refund was issued (notification only).
    RefundIssued { amount: Money, full: bool },
    /// A payment went through after one failed: paid features are back (notification only).
    /// `failed_at` is when the failure that opened the grace period happened, so the time to
    /// recovery can be measured whenever the notice is delivered.
    PaymentRecovered { failed_at: DateTime<Utc>, recovered_at: DateTime<Utc> },
    /// The trial ends soon ("Your trial ends on DATE"; notification only).
    TrialEndsSoon { ends_at: DateTime<Utc> },
    /// The subscription renews soon ("AMOUNT will be charged on DATE"; notification only).
    RenewalUpcoming { amount: Money, renews_at: DateTime<Utc> },
    /// A payment was disputed (a chargeback); for operators. `reason` and `status` are Stripe's.
    DisputeOpened { dispute: StripeDisputeId, amount: Money, reason: String, status: String },
    /// A dispute was closed; `status` says how (`won`, `lost`, `warning_closed`, ...).
    DisputeClosed { dispute: StripeDisputeId, amount: Money, reason: String, status: String },
    /// The customer has another live subscription besides the one the plan follows; it is set
    /// aside and changes nothing (notification for operators, who may cancel or refund it).
    SecondSubscription { subscription: StripeSubscriptionId, status: SubscriptionStatus },
}

impl Notice {
    /// A stable snake_case kind, for APIs and templates.
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::PaymentFailed { .. } => "payment_failed",
            Notice::FeaturesSuspended { .. } => "features_suspended",
            Notice::PaymentActionRequired => "payment_action_required",
            Notice::EndsOn { .. } => "ends_on",
            Notice::PlanChangesOn { .. } => "plan_changes_on",
            Notice::Canceled { .. } => "canceled",
            Notice::CheckoutInProgress { .. } => "checkout_in_progress",
            Notice::PlanChanged { .. } => "plan_changed",
            Notice::RefundIssued { .. } => "refund_issued",
            Notice::PaymentRecovered { .. } => "payment_recovered",
            Notice::TrialEndsSoon { .. } => "trial_ends_soon",
            Notice::RenewalUpcoming { .. } => "renewal_upcoming",
            Notice::DisputeOpened { .. } => "dispute_opened",
            Notice::DisputeClosed { .. } => "dispute_closed",
            Notice::SecondSubscription { .. } => "second_subscription",
        }
    }
}

/// The banners that apply to `state` at `now`, most urgent first.
pub fn banners(state: &BillingState, now: DateTime<Utc>) -> Vec<Notice> {
    let mut out = Vec::new();
    match state.status() {
        SubscriptionStatus::PastDue => match state.grace_until() {
            Some(grace_until) if now < grace_until => {
                out.push(Notice::PaymentFailed { grace_until, amount: state.last_payment_attempt().map(|a| a.amount) })
            }
            _ => out.push(Notice::FeaturesSuspended { status: state.status() }),
        },
        SubscriptionStatus::Unpaid | SubscriptionStatus::Paused => out.push(Notice::FeaturesSuspended { status: state.status() }),
        SubscriptionStatus::Canceled => out.push(Notice::Canceled { at: state.canceled_at() }),
        _ => {}
    }
    if state.cancel_at_period_end() && state.has_live_subscription() {
        if let Some(period) = state.period() {
            out.push(Notice::EndsOn { date: period.end() });
        }
    }
    if let Some(change) = state.scheduled_change() {
        out.push(Notice::PlanChangesOn { plan: change.plan.clone(), date: change.effective_at });
    }
    if let Some(pending) = state.pending_checkout() {
        out.push(Notice::CheckoutInProgress { session_id: pending.session_id.clone(), started_at: pending.created_at });
    }
    out
}
