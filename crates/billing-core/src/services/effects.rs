//! Carrying out a decision's effects: Stripe calls first, then one atomic commit.

use chrono::{DateTime, Utc};

use crate::decide::{decide, Decision, Rules};
use crate::effect::{Effect, StripeCall, StripeCommand};
use crate::input::Input;
use crate::notice::Notice;
use crate::ports::{BillingRepository, Commit, EventDone, PaymentError, PaymentProvider, PriceChange, RefundRequest, ScheduledDowngrade};
use crate::refund::Refund;
use crate::state::BillingState;

/// What a Stripe call of a decision gave back that the caller may want to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum StripeReply {
    Done,
    Refunded(Refund),
}

/// Performs one Stripe call of a decision.
pub(super) async fn run_stripe<P: PaymentProvider + ?Sized>(
    payments: &P,
    state: &BillingState,
    cmd: &StripeCommand,
) -> Result<StripeReply, PaymentError> {
    let key = &cmd.idempotency_key;
    let done = StripeReply::Done;
    match &cmd.call {
        // Opening a checkout needs a customer first and returns a session the caller must show,
        // so only `BillingService::start_checkout` performs it; reaching it here is a wiring bug.
        StripeCall::CreateCheckout { .. } => {
            Err(PaymentError::Unknown(anyhow::anyhow!("checkout sessions are opened by start_checkout only")))
        }
        StripeCall::SetCancelAtPeriodEnd { subscription, cancel } => {
            payments.set_cancel_at_period_end(subscription, *cancel, key).await.map(|_| done)
        }
        StripeCall::ChangePriceNow { subscription, price, proration_date } => {
            let customer = state.customer_id().cloned().ok_or_else(|| PaymentError::NotFound { resource: "customer".to_owned() })?;
            let change =
                PriceChange { customer, subscription: subscription.clone(), price: price.clone(), proration_date: *proration_date };
            payments.change_price_now(&change, key).await.map(|_| done)
        }
        StripeCall::ScheduleDowngrade { subscription, current_price, price, effective_at } => {
            let (subscription, current_price, price) = (subscription.clone(), current_price.clone(), price.clone());
            let downgrade = ScheduledDowngrade { subscription, current_price, price, effective_at: *effective_at };
            payments.schedule_downgrade(&downgrade, key).await.map(|()| done)
        }
        StripeCall::ReleaseSchedule { subscription } => payments.release_schedule(subscription, key).await.map(|()| done),
        StripeCall::CancelNow { subscription } => payments.cancel_now(subscription, key).await.map(|_| done),
        StripeCall::Refund { charge, amount, reason } => {
            let request = RefundRequest { org_id: state.org_id().clone(), charge: charge.clone(), amount: *amount, reason: *reason };
            payments.create_refund(&request, key).await.map(StripeReply::Refunded)
        }
    }
}

/// Settles every `RefetchSubscription` of a decision by reading Stripe and deciding again.
pub(super) async fn settle_refetches<P: PaymentProvider + ?Sized>(
    rules: &Rules,
    payments: &P,
    mut decision: Decision,
    now: DateTime<Utc>,
) -> Result<Decision, PaymentError> {
    let refetches: Vec<_> =
        decision.effects.iter().filter_map(|e| if let Effect::RefetchSubscription(id) = e { Some(id.clone()) } else { None }).collect();
    decision.effects.retain(|e| !matches!(e, Effect::RefetchSubscription(_)));
    for id in refetches {
        let snapshot = payments.retrieve_subscription(&id).await?;
        // A fetched snapshot is authoritative; a price outside the catalog is a configuration error.
        let next = decide(rules, &decision.state, Input::SubscriptionFetched(snapshot), now)
            .map_err(|e| PaymentError::Unknown(anyhow::anyhow!("refetched subscription cannot be applied: {e}")))?;
        decision.state = next.state;
        decision.effects.extend(next.effects);
    }
    Ok(decision)
}

/// The commit for a decision taken on `loaded`.
pub(super) fn commit_for(
    rules: &Rules,
    loaded: &BillingState,
    decision: &Decision,
    event: Option<EventDone>,
    now: DateTime<Utc>,
) -> Commit {
    let mut audit = Vec::new();
    let mut notices: Vec<Notice> = Vec::new();
    for effect in &decision.effects {
        match effect {
            Effect::Audit(entry) => audit.push(entry.clone()),
            Effect::Notify(notice) => notices.push(notice.clone()),
            Effect::Stripe(_) | Effect::RefetchSubscription(_) => {}
        }
    }
    // The decision's state carries the loaded version: the repository checks it and bumps it.
    debug_assert_eq!(decision.state.version(), loaded.version());
    Commit {
        next_timer_at: crate::decide::next_timer_at(rules, &decision.state),
        state: decision.state.clone(),
        audit,
        notices,
        event,
        at: now,
    }
}

/// True when committing `decision` would write anything.
pub(super) fn worth_committing(loaded: &BillingState, decision: &Decision) -> bool {
    decision.changes(loaded) || decision.effects.iter().any(|e| matches!(e, Effect::Audit(_) | Effect::Notify(_)))
}

/// Commits a decision unless it writes nothing; returns the new version.
pub(super) async fn commit_if_needed<R: BillingRepository + ?Sized>(
    repo: &R,
    rules: &Rules,
    loaded: &BillingState,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<u64, crate::ports::RepositoryError> {
    if !worth_committing(loaded, decision) {
        return Ok(loaded.version());
    }
    repo.commit(commit_for(rules, loaded, decision, None, now)).await
}
