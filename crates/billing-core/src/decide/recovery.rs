//! Noticing a recovery: an organization whose payment failed is back on a paid status.

use chrono::{DateTime, Utc};

use super::{Decision, Rules};
use crate::effect::Effect;
use crate::notice::Notice;
use crate::state::{BillingState, SubscriptionStatus};

/// Adds [`Notice::PaymentRecovered`] when `decision` moves `before` out of `past_due` or
/// `unpaid` into a status that grants the paid plan, whichever input did it (an invoice paid, a
/// snapshot, a reconcile). It is added here, once for every input, so no path can forget it.
pub(super) fn notice_recovery(rules: &Rules, before: &BillingState, mut decision: Decision, at: DateTime<Utc>) -> Decision {
    let was_failing = matches!(before.status(), SubscriptionStatus::PastDue | SubscriptionStatus::Unpaid);
    let recovered = matches!(decision.state.status(), SubscriptionStatus::Active | SubscriptionStatus::Trialing);
    if !(was_failing && recovered) {
        return decision;
    }
    if let Some(failed_at) = failed_at(rules, before) {
        decision.effects.push(Effect::Notify(Notice::PaymentRecovered { failed_at, recovered_at: at.max(failed_at) }));
    }
    decision
}

/// When the failure that opened the grace period happened: the grace deadline less the grace
/// period, or, once the deadline is gone (`unpaid`), the last failed attempt.
fn failed_at(rules: &Rules, before: &BillingState) -> Option<DateTime<Utc>> {
    before.grace_until().map(|g| g - rules.policy.grace).or_else(|| before.last_payment_attempt().map(|a| a.at))
}
