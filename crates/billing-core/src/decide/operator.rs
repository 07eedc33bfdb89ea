//! Operator commands beyond the subscription's life: a reconcile on someone's behalf, a refund.

use chrono::{DateTime, Utc};

use super::subscription::on_fetched;
use super::{Decision, Outcome, Rules, TransitionError};
use crate::effect::{AuditCause, AuditEntry, Effect, StripeCall, StripeCommand};
use crate::ids::IdempotencyKey;
use crate::input::{Actor, SubscriptionSnapshot};
use crate::money::Money;
use crate::refund::RefundOrder;
use crate::state::BillingState;

/// An audit row of `state` that keeps plan and status, for a change that moved neither.
fn audit_in_place(state: &BillingState, next: &BillingState, cause: AuditCause, now: DateTime<Utc>) -> Effect {
    Effect::Audit(AuditEntry {
        org_id: state.org_id().clone(),
        from_plan: state.plan().clone(),
        from_status: state.status(),
        to_plan: next.plan().clone(),
        to_status: next.status(),
        cause,
        at: now,
    })
}

/// Applies the subscription Stripe returns now, audited as a reconcile by `actor`. A reconcile
/// that changes anything at all is audited, not only one that moves plan or status: it means we
/// had missed news (a period, a cancellation flag, a scheduled change), and whoever asked for it
/// should find what it did in the trail.
pub(super) fn reconcile(
    rules: &Rules,
    state: &BillingState,
    snapshot: SubscriptionSnapshot,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Decision, TransitionError> {
    let mut decision = on_fetched(rules, state, snapshot, actor.clone(), now)?;
    let audited = decision.effects.iter().any(|e| matches!(e, Effect::Audit(_)));
    if decision.changes(state) && !audited {
        let row = audit_in_place(state, &decision.state, AuditCause::Reconcile { actor }, now);
        decision.effects.push(row);
    }
    Ok(decision)
}

/// Refunds a charge of the organization's own Stripe customer, audited with `actor`. The state
/// is unchanged: a refund alone neither cancels nor downgrades (the operator cancels separately).
///
/// The idempotency key follows the request rather than the state version, so the same refund
/// asked again (after a crash, or when the audit's commit meets a concurrent change and is
/// decided again) replays Stripe's first answer instead of refunding twice.
pub(super) fn refund(state: &BillingState, order: RefundOrder, actor: Actor, now: DateTime<Utc>) -> Result<Decision, TransitionError> {
    let RefundOrder { charge, amount, reason } = order;
    if charge.customer.is_none() || charge.customer.as_ref() != state.customer_id() {
        return Err(TransitionError::ChargeNotOwned(charge.id));
    }
    let refundable = charge.refundable();
    if refundable.minor_units() <= 0 {
        return Err(TransitionError::NothingToRefund(charge.id));
    }
    let refunded = match amount {
        None => refundable,
        Some(requested) if within(requested, refundable) => requested,
        Some(requested) => return Err(TransitionError::RefundAmountOutOfRange { requested, refundable }),
    };
    let detail =
        format!("{} {} {}", charge.id, amount.map_or_else(|| "rest".to_owned(), |a| a.to_string()), reason.map_or("-", |r| r.as_str()));
    let idempotency_key = IdempotencyKey::for_request("refund", state.org_id(), &detail);
    let call = StripeCall::Refund { charge: charge.id.clone(), amount, reason };
    let cause = AuditCause::Refund { actor, charge: charge.id, amount: refunded };
    let effects = vec![Effect::Stripe(StripeCommand { call, idempotency_key }), audit_in_place(state, state, cause, now)];
    Ok(Decision { state: state.clone(), effects, outcome: Outcome::Applied })
}

/// True when `requested` is a positive amount, in the charge's currency, of at most `refundable`.
fn within(requested: Money, refundable: Money) -> bool {
    requested.currency() == refundable.currency() && requested.minor_units() > 0 && requested.minor_units() <= refundable.minor_units()
}
