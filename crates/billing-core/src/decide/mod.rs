//! The pure state machine: `decide(rules, state, input, now)` returns the next state and effects.

mod commands;
mod draft;
mod following;
mod operator;
mod recovery;
mod reminders;
mod schedule;
mod stripe;
mod subscription;
mod timers;

use chrono::{DateTime, Utc};

use crate::catalog::{Catalog, LimitExceeded};
use crate::effect::Effect;
use crate::ids::{CheckoutSessionId, PlanId, StripeChargeId, StripePriceId};
use crate::input::{Actor, Input, Timer};
use crate::money::Money;
use crate::policy::Policy;
use crate::state::{BillingState, SubscriptionStatus};

pub use timers::{due_timers, next_timer_at};

/// The catalog and policy a decision is made under.
#[derive(Debug, Clone)]
pub struct Rules {
    pub catalog: Catalog,
    pub policy: Policy,
}

/// How an input related to what we already knew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The input was taken into account (the state may or may not have changed).
    Applied,
    /// We had already applied this very input.
    Duplicate,
    /// The input is older than what we already applied; nothing changed.
    Stale,
    /// A subscription snapshot from the same second as the newest applied one: the order is
    /// unknowable, so the caller should re-read the subscription from Stripe.
    Tie,
    /// The input is about a subscription the organization does not follow (a second live one
    /// of its customer, one of another product on the account, or one sold to another
    /// organization): nothing changed, and the caller records the event as ignored.
    SetAside,
}

/// The result of one decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub state: BillingState,
    pub effects: Vec<Effect>,
    pub outcome: Outcome,
}

impl Decision {
    /// True when the new state differs from `before`.
    pub fn changes(&self, before: &BillingState) -> bool {
        &self.state != before
    }
}

/// Why an input cannot be applied to a state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("`{input}` is not allowed while the subscription is {}", .status.as_str())]
    NotAllowed { status: SubscriptionStatus, input: &'static str },
    #[error("Stripe price `{0}` is not in the plan catalog")]
    UnknownPrice(StripePriceId),
    #[error("plan `{0}` is not in the catalog")]
    UnknownPlan(PlanId),
    #[error("plan `{0}` cannot be bought")]
    PlanNotPurchasable(PlanId),
    #[error("already on plan `{0}`")]
    SamePlan(PlanId),
    #[error("already subscribed to `{plan}`; change plan instead")]
    AlreadySubscribed { plan: PlanId },
    #[error("a checkout started at {started_at} is still in progress")]
    CheckoutInProgress { session_id: CheckoutSessionId, started_at: DateTime<Utc>, url: Option<String> },
    #[error("there is no subscription")]
    NoSubscription,
    #[error("the billing period is not known yet")]
    NoBillingPeriod,
    #[error("too many plan changes; retry after {retry_after}")]
    PlanChangeRateLimited { retry_after: DateTime<Utc> },
    #[error("no plan change is scheduled")]
    NothingScheduled,
    #[error("the subscription is not set to cancel")]
    NotCanceling,
    #[error("current usage exceeds the limits of plan `{plan}`")]
    UsageExceedsTargetPlan { plan: PlanId, exceeded: Vec<LimitExceeded> },
    #[error("timer `{}` is not due", .0.as_str())]
    TimerNotDue(Timer),
    /// The charge was not made to the organization's Stripe customer: it is another tenant's,
    /// or no customer's, and must never be refunded on this organization's behalf.
    #[error("charge {0} does not belong to this organization's Stripe customer")]
    ChargeNotOwned(StripeChargeId),
    /// A refund must be positive, in the charge's currency, and no more than what is left.
    #[error("a refund of {requested} is not between 1 and the {refundable} left to refund on the charge")]
    RefundAmountOutOfRange { requested: Money, refundable: Money },
    #[error("charge {0} has nothing left to refund")]
    NothingToRefund(StripeChargeId),
}

/// Decides what `input` does to `state` at `now`. Pure: no I/O, no clock but `now`.
///
/// # Errors
/// A [`TransitionError`] naming the state and input when the input is not allowed.
pub fn decide(rules: &Rules, state: &BillingState, input: Input, now: DateTime<Utc>) -> Result<Decision, TransitionError> {
    // A Stripe event happened at its own time, which may be long before we apply it.
    let happened_at = match &input {
        Input::Stripe(event) => event.created,
        Input::SubscriptionFetched(_) | Input::Command { .. } | Input::Timer(_) | Input::CheckoutVerified(_) => now,
    };
    let decision = match input {
        Input::Stripe(event) => stripe::on_event(rules, state, event, now),
        Input::SubscriptionFetched(snapshot) => subscription::on_fetched(rules, state, snapshot, Actor::System, now),
        Input::Command { actor, command } => commands::on_command(rules, state, actor, command, now),
        Input::Timer(timer) => timers::on_timer(rules, state, timer, now),
        Input::CheckoutVerified(completion) => Ok(stripe::on_checkout_verified(rules, state, completion, now)),
    }?;
    Ok(recovery::notice_recovery(rules, state, decision, happened_at))
}

/// The plan whose limits apply for a status, given the subscribed plan and the grace deadline.
pub(crate) fn effective_plan(
    catalog: &Catalog,
    status: SubscriptionStatus,
    subscribed: Option<&PlanId>,
    grace_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> PlanId {
    let free = catalog.free_plan().id().clone();
    let paid = match status {
        SubscriptionStatus::Trialing | SubscriptionStatus::Active => subscribed,
        SubscriptionStatus::PastDue => subscribed.filter(|_| grace_until.is_some_and(|g| now < g)),
        SubscriptionStatus::None
        | SubscriptionStatus::Incomplete
        | SubscriptionStatus::IncompleteExpired
        | SubscriptionStatus::Unpaid
        | SubscriptionStatus::Paused
        | SubscriptionStatus::Canceled => None,
    };
    paid.filter(|p| catalog.plan(p).is_some()).cloned().unwrap_or(free)
}

#[cfg(test)]
mod tests;
