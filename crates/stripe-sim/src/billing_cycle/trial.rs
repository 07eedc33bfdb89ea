//! Free trials started by Checkout: the subscription `trialing` over a period that ends with the
//! trial, `customer.subscription.trial_will_end` three days before, and at the trial's end the
//! first charged invoice (the renewal of the trial period).

use serde_json::{json, Value};

use super::emit_subscription;
use crate::error::ApiError;
use crate::state::{Cause, CheckoutSession, State, SubStatus, Subscription};

/// How long before its end Stripe announces that a trial ends.
pub const WILL_END_NOTICE_SECS: i64 = 3 * 86_400;

/// When the trial a session grants ends, if it grants one: `trial_end`, or
/// `trial_period_days` counted from `now`.
pub fn end_for(session: &CheckoutSession, now: i64) -> Option<i64> {
    session.trial_end.or_else(|| session.trial_period_days.map(|days| now + days * 86_400))
}

/// Starts `sub` in its trial until `end`: `trialing`, its first period the trial.
pub fn start(sub: &mut Subscription, now: i64, end: i64) {
    sub.status = SubStatus::Trialing;
    sub.trial_start = Some(now);
    sub.trial_end = Some(end);
    sub.period_end = end;
}

/// When `customer.subscription.trial_will_end` falls due: three days before the trial ends, or
/// at its start for a shorter trial; never twice.
pub fn will_end_due(sub: &Subscription) -> Option<i64> {
    if sub.status != SubStatus::Trialing || sub.trial_will_end_sent {
        return None;
    }
    let end = sub.trial_end?;
    Some((end - WILL_END_NOTICE_SECS).max(sub.trial_start.unwrap_or(end)))
}

/// `customer.subscription.trial_will_end`, once.
pub fn will_end(state: &mut State, id: &str, at: i64) -> Result<(), ApiError> {
    let Some(mut sub) = state.subscriptions.get(id).cloned() else {
        return Err(ApiError::internal("a trialing subscription vanished"));
    };
    sub.trial_will_end_sent = true;
    emit_subscription(state, &Cause::default(), at, "customer.subscription.trial_will_end", &sub, None)
}

/// At the renewal that ends a trial the subscription becomes `active`, told in the renewal's
/// `customer.subscription.updated`; its invoice is then charged like any renewal's.
pub fn end_at_renewal(sub: &mut Subscription, previous: &mut Value) {
    if sub.status == SubStatus::Trialing {
        sub.status = SubStatus::Active;
        if let Value::Object(map) = previous {
            map.insert("status".to_owned(), json!("trialing"));
        }
    }
}
