//! Subscription snapshots and deletions from Stripe, applied in Stripe's order whatever the arrival order.

use chrono::{DateTime, Utc};

use super::draft::Draft;
use super::following::{foreign, set_aside, Foreign};
use super::schedule::note_no_schedule;
use super::{effective_plan, Decision, Outcome, Rules, TransitionError};
use crate::effect::{AuditCause, Effect};
use crate::ids::{PlanId, StripeEventId, StripeSubscriptionId};
use crate::input::{Actor, SubscriptionSnapshot};
use crate::notice::Notice;
use crate::state::{BillingState, SubscriptionStatus, Watermark};

/// Where an input stands against the watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    Newer,
    Duplicate,
    Stale,
    Tie,
}

pub(super) fn order(state: &BillingState, created: DateTime<Utc>, event: Option<&StripeEventId>) -> Order {
    let Some(w) = state.watermark() else { return Order::Newer };
    if event.is_some() && w.event_id.as_ref() == event {
        return Order::Duplicate;
    }
    match created.cmp(&w.created) {
        std::cmp::Ordering::Less => Order::Stale,
        std::cmp::Ordering::Equal => Order::Tie,
        std::cmp::Ordering::Greater => Order::Newer,
    }
}

fn plan_for(rules: &Rules, snapshot: &SubscriptionSnapshot) -> Result<PlanId, TransitionError> {
    rules
        .catalog
        .plan_for_price(&snapshot.price_id)
        .map(|p| p.id().clone())
        .ok_or_else(|| TransitionError::UnknownPrice(snapshot.price_id.clone()))
}

/// True when the snapshot concerns a subscription that already ended; Stripe never revives one.
fn already_ended(state: &BillingState, snapshot: &SubscriptionSnapshot) -> bool {
    is_ended(state, &snapshot.id)
}

/// True when the subscription is known to have ended.
pub(super) fn is_ended(state: &BillingState, id: &StripeSubscriptionId) -> bool {
    (state.subscription_id() == Some(id) && state.status().is_terminal()) || state.ended_subscriptions().contains(id)
}

/// How many ended subscription ids an organization remembers.
const ENDED_MEMORY: usize = 10;

/// `customer.subscription.created|updated`.
pub(super) fn on_snapshot(
    rules: &Rules,
    state: &BillingState,
    event_id: StripeEventId,
    created: DateTime<Utc>,
    snapshot: SubscriptionSnapshot,
    now: DateTime<Utc>,
) -> Result<Decision, TransitionError> {
    if already_ended(state, &snapshot) {
        return Ok(Draft::unchanged(state, Outcome::Stale));
    }
    // A subscription the organization does not follow is set aside before any ordering: its
    // events say nothing about the tracked subscription. Endings are the deletion's to judge.
    if let Some(why) = foreign(rules, state, &snapshot).filter(|_| !snapshot.status.is_terminal()) {
        return Ok(set_aside(state, &snapshot, why));
    }
    match order(state, created, Some(&event_id)) {
        Order::Duplicate => return Ok(Draft::unchanged(state, Outcome::Duplicate)),
        Order::Stale => return Ok(Draft::unchanged(state, Outcome::Stale)),
        Order::Tie => {
            let mut d = Decision { state: state.clone(), effects: Vec::new(), outcome: Outcome::Tie };
            d.effects.push(Effect::RefetchSubscription(snapshot.id));
            return Ok(d);
        }
        Order::Newer => {}
    }
    if snapshot.status.is_terminal() {
        return on_deleted(rules, state, event_id, created, snapshot, now);
    }
    let watermark = Watermark { subscription_id: Some(snapshot.id.clone()), created, event_id: Some(event_id.clone()) };
    if overtaken_by_invoice(state, &snapshot, created) {
        return Ok(reread_instead(state, snapshot.id, watermark));
    }
    let source = Source { watermark: Some(watermark), cause: AuditCause::StripeEvent(event_id), observed_at: created };
    apply(rules, state, snapshot, source, now)
}

/// True when the snapshot would change the status although a newer fact about an invoice of the
/// same subscription was already applied: a `past_due` snapshot delivered after the payment that
/// settled the invoice says less than what we know, and which came last in Stripe is not ours
/// to guess.
fn overtaken_by_invoice(state: &BillingState, snapshot: &SubscriptionSnapshot, created: DateTime<Utc>) -> bool {
    snapshot.status != state.status()
        && state.invoice_watermarks().iter().any(|w| w.subscription_id.as_ref() == Some(&snapshot.id) && w.created > created)
}

/// Asks for the subscription to be re-read as a tie does. The snapshot still becomes the
/// watermark, so the snapshots older than it remain stale once the re-read is applied.
fn reread_instead(state: &BillingState, subscription: StripeSubscriptionId, watermark: Watermark) -> Decision {
    let mut next = state.to_parts();
    next.watermark = Some(watermark);
    Decision { state: BillingState::from_parts(next), effects: vec![Effect::RefetchSubscription(subscription)], outcome: Outcome::Tie }
}

/// The subscription as the API returns it now: authoritative, so the watermark is not consulted.
/// Audited as a reconcile at `actor`'s request.
pub(super) fn on_fetched(
    rules: &Rules,
    state: &BillingState,
    snapshot: SubscriptionSnapshot,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Decision, TransitionError> {
    if already_ended(state, &snapshot) {
        return Ok(Draft::unchanged(state, Outcome::Applied));
    }
    if snapshot.status.is_terminal() {
        // Another subscription's end changes nothing while ours is live, nor when it was never ours.
        if state.subscription_id() != Some(&snapshot.id) && foreign(rules, state, &snapshot).is_some() {
            return Ok(Draft::unchanged(state, Outcome::Applied));
        }
        let mut draft = Draft::new(state);
        end_subscription(&mut draft, rules, &snapshot, snapshot.canceled_at.unwrap_or(now));
        return Ok(draft.finish(AuditCause::Reconcile { actor }, Outcome::Applied, now));
    }
    if let Some(why) = foreign(rules, state, &snapshot) {
        return Ok(set_aside(state, &snapshot, why));
    }
    // The watermark stays: later events from the same second must still be settled by a re-read.
    apply(rules, state, snapshot, Source { watermark: None, cause: AuditCause::Reconcile { actor }, observed_at: now }, now)
}

/// Where an applied snapshot comes from: an event, with the watermark it sets, or a re-read.
struct Source {
    watermark: Option<Watermark>,
    cause: AuditCause,
    /// Stripe's time of the event, or now for a re-read.
    observed_at: DateTime<Utc>,
}

fn apply(
    rules: &Rules,
    state: &BillingState,
    snapshot: SubscriptionSnapshot,
    source: Source,
    now: DateTime<Utc>,
) -> Result<Decision, TransitionError> {
    let Source { watermark, cause, observed_at } = source;
    let subscribed = plan_for(rules, &snapshot)?;
    let mut draft = Draft::new(state);
    let n = &mut draft.next;
    let same_subscription = n.subscription_id.as_ref() == Some(&snapshot.id);
    let plan_moved = !same_subscription || n.subscribed_plan.as_ref() != Some(&subscribed);
    n.grace_until = match snapshot.status {
        // Only the tracked subscription reaches here while past due (a live one is never replaced).
        SubscriptionStatus::PastDue if state.status() == SubscriptionStatus::PastDue => n.grace_until,
        SubscriptionStatus::PastDue => Some(rules.policy.grace_deadline(observed_at)),
        _ => None,
    };
    if plan_moved || snapshot.status.is_terminal() {
        n.scheduled_change = None;
    }
    n.subscription_id = Some(snapshot.id.clone());
    n.customer_id = Some(snapshot.customer_id.clone());
    n.status = snapshot.status;
    n.cancel_at_period_end = snapshot.cancel_at_period_end;
    n.period = Some(snapshot.period);
    n.canceled_at = snapshot.canceled_at;
    n.plan = effective_plan(&rules.catalog, snapshot.status, Some(&subscribed), n.grace_until, now);
    n.subscribed_plan = Some(subscribed);
    if snapshot.status != SubscriptionStatus::Incomplete {
        n.pending_checkout = None;
    }
    if let Some(w) = watermark {
        note_no_schedule(&mut draft, &snapshot, &w);
        draft.next.watermark = Some(w);
    }
    if snapshot.status == SubscriptionStatus::PastDue && state.status() != SubscriptionStatus::PastDue {
        if let Some(grace_until) = draft.next.grace_until {
            let amount = state.last_payment_attempt().map(|a| a.amount);
            draft.notify(Notice::PaymentFailed { grace_until, amount });
        }
    }
    Ok(draft.finish(cause, Outcome::Applied, now))
}

/// `customer.subscription.deleted` (or a snapshot in a terminal status).
pub(super) fn on_deleted(
    rules: &Rules,
    state: &BillingState,
    event_id: StripeEventId,
    created: DateTime<Utc>,
    snapshot: SubscriptionSnapshot,
    now: DateTime<Utc>,
) -> Result<Decision, TransitionError> {
    let current = state.subscription_id() == Some(&snapshot.id);
    if current && state.status().is_terminal() {
        return Ok(Draft::unchanged(state, Outcome::Duplicate));
    }
    // Ending the subscription we track wins whatever the order: Stripe never revives it. Ending
    // another one only matters when we track none that is alive and it is not older than what we know.
    if state.ended_subscriptions().contains(&snapshot.id) {
        return Ok(Draft::unchanged(state, Outcome::Duplicate));
    }
    if let Some(decision) = (!current).then(|| other_ended(rules, state, &event_id, created, &snapshot, now)).flatten() {
        return Ok(decision);
    }
    let mut draft = Draft::new(state);
    end_subscription(&mut draft, rules, &snapshot, snapshot.canceled_at.unwrap_or(created));
    let newest = state.watermark().is_none_or(|w| w.created <= created);
    if newest {
        draft.next.watermark = Some(Watermark { subscription_id: Some(snapshot.id.clone()), created, event_id: Some(event_id.clone()) });
    }
    Ok(draft.finish(AuditCause::StripeEvent(event_id), Outcome::Applied, now))
}

/// The end of a subscription other than the tracked one, when it is not the organization's to
/// apply: set aside when the organization never followed it, only remembered while ours is alive
/// or already ended (so later news about it is recognised as stale), stale when older than what
/// we know. `None` when it ends the organization's subscription after all.
fn other_ended(
    rules: &Rules,
    state: &BillingState,
    event_id: &StripeEventId,
    created: DateTime<Utc>,
    snapshot: &SubscriptionSnapshot,
    now: DateTime<Utc>,
) -> Option<Decision> {
    match foreign(rules, state, snapshot) {
        Some(why @ (Foreign::OtherOrganization | Foreign::PriceNotInCatalog)) => return Some(set_aside(state, snapshot, why)),
        Some(Foreign::SecondSubscription) | None => {}
    }
    if state.has_live_subscription() || state.status().is_terminal() {
        let mut draft = Draft::new(state);
        remember_ended(&mut draft.next.ended_subscriptions, &snapshot.id);
        return Some(draft.finish(AuditCause::StripeEvent(event_id.clone()), Outcome::Applied, now));
    }
    (order(state, created, Some(event_id)) == Order::Stale).then(|| Draft::unchanged(state, Outcome::Stale))
}

/// Moves the draft to "canceled on the free plan"; the organization's data is kept (EC-4B).
pub(super) fn end_subscription(draft: &mut Draft<'_>, rules: &Rules, snapshot: &SubscriptionSnapshot, canceled_at: DateTime<Utc>) {
    end_subscription_now(draft, rules, snapshot.id.clone(), canceled_at);
    draft.next.customer_id = Some(snapshot.customer_id.clone());
    draft.next.period = Some(snapshot.period);
    if snapshot.status == SubscriptionStatus::IncompleteExpired {
        draft.next.status = SubscriptionStatus::IncompleteExpired;
    }
}

/// Ends the tracked subscription now (an operator's immediate cancel, or a period end we reached first).
pub(super) fn end_subscription_now(draft: &mut Draft<'_>, rules: &Rules, subscription: StripeSubscriptionId, at: DateTime<Utc>) {
    let n = &mut draft.next;
    remember_ended(&mut n.ended_subscriptions, &subscription);
    n.subscription_id = Some(subscription);
    n.status = SubscriptionStatus::Canceled;
    n.plan = rules.catalog.free_plan().id().clone();
    n.subscribed_plan = None;
    n.cancel_at_period_end = false;
    n.scheduled_change = None;
    n.grace_until = None;
    n.canceled_at = Some(at);
    if draft.before().status() != SubscriptionStatus::Canceled {
        draft.notify(Notice::Canceled { at: Some(at) });
    }
}

fn remember_ended(ended: &mut Vec<StripeSubscriptionId>, id: &StripeSubscriptionId) {
    if !ended.contains(id) {
        ended.push(id.clone());
    }
    let excess = ended.len().saturating_sub(ENDED_MEMORY);
    ended.drain(..excess);
}
