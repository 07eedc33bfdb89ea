//! Time-driven transitions: period end, grace expiry and pending-checkout expiry.

use chrono::{DateTime, Utc};

use super::draft::Draft;
use super::schedule::note_own_change;
use super::subscription::end_subscription_now;
use super::{effective_plan, Decision, Outcome, Rules, TransitionError};
use crate::effect::AuditCause;
use crate::input::Timer;
use crate::notice::Notice;
use crate::policy::Policy;
use crate::state::{BillingState, SubscriptionStatus, Watermark};

/// When each timer of `state` falls due, if it has one.
fn timer_times(rules_policy: &Policy, catalog_free: &crate::ids::PlanId, state: &BillingState) -> Vec<(Timer, DateTime<Utc>)> {
    let mut out = Vec::new();
    if state.has_live_subscription() {
        if let Some(period) = state.period().filter(|_| state.cancel_at_period_end()) {
            out.push((Timer::PeriodEnd, period.end()));
        } else if let Some(change) = state.scheduled_change() {
            out.push((Timer::PeriodEnd, change.effective_at));
        }
    }
    if state.status() == SubscriptionStatus::PastDue && state.plan() != catalog_free {
        if let Some(grace_until) = state.grace_until() {
            out.push((Timer::GraceExpired, grace_until));
        }
    }
    if let Some(pending) = state.pending_checkout() {
        out.push((Timer::PendingCheckoutExpired, pending.created_at + rules_policy.checkout_expiry));
    }
    out
}

/// The earliest time a timer of `state` falls due; storage keeps it for the timer scan.
pub fn next_timer_at(rules: &Rules, state: &BillingState) -> Option<DateTime<Utc>> {
    timer_times(&rules.policy, rules.catalog.free_plan().id(), state).into_iter().map(|(_, at)| at).min()
}

/// The timers of `state` that are due at `now`, in the order to fire them.
pub fn due_timers(rules: &Rules, state: &BillingState, now: DateTime<Utc>) -> Vec<Timer> {
    let mut due: Vec<(Timer, DateTime<Utc>)> =
        timer_times(&rules.policy, rules.catalog.free_plan().id(), state).into_iter().filter(|(_, at)| *at <= now).collect();
    due.sort_by_key(|(_, at)| *at);
    due.into_iter().map(|(t, _)| t).collect()
}

pub(super) fn on_timer(rules: &Rules, state: &BillingState, timer: Timer, now: DateTime<Utc>) -> Result<Decision, TransitionError> {
    if !due_timers(rules, state, now).contains(&timer) {
        return Err(TransitionError::TimerNotDue(timer));
    }
    let mut draft = Draft::new(state);
    match timer {
        Timer::PeriodEnd => period_end(rules, &mut draft, now),
        Timer::GraceExpired => {
            draft.next.plan = rules.catalog.free_plan().id().clone();
            draft.notify(Notice::FeaturesSuspended { status: SubscriptionStatus::PastDue });
        }
        Timer::PendingCheckoutExpired => draft.next.pending_checkout = None,
    }
    Ok(draft.finish(AuditCause::Timer(timer), Outcome::Applied, now))
}

/// Applies what Stripe will do at period end when it has not told us yet. The watermark moves to
/// the period end (Stripe's clock), so snapshots from before it cannot undo the change.
fn period_end(rules: &Rules, draft: &mut Draft<'_>, now: DateTime<Utc>) {
    let state = draft.before();
    let Some(subscription) = state.subscription_id().cloned() else { return };
    let at = if state.cancel_at_period_end() {
        let Some(period) = state.period() else { return };
        end_subscription_now(draft, rules, subscription.clone(), period.end());
        period.end()
    } else if let Some(change) = state.scheduled_change().cloned() {
        let n = &mut draft.next;
        n.subscribed_plan = Some(change.plan.clone());
        n.plan = effective_plan(&rules.catalog, n.status, n.subscribed_plan.as_ref(), n.grace_until, now);
        n.scheduled_change = None;
        note_own_change(draft, change.effective_at);
        change.effective_at
    } else {
        return;
    };
    if state.watermark().is_none_or(|w| w.created < at) {
        draft.next.watermark = Some(Watermark { subscription_id: Some(subscription), created: at, event_id: None });
    }
}
