//! Subscription schedules: a plan change scheduled in Stripe (by our API, the Customer Portal or
//! the Dashboard) shows as the state's scheduled change, in Stripe's order of events.
//!
//! Every schedule event carries the whole schedule, so the newest one applied says it all; the
//! schedule watermark keeps older ones from undoing it. Our own changes to the scheduled change
//! (a downgrade, a release, a period end applied by a timer) move the watermark too: every
//! event Stripe sends about them is created after they were decided, because the Stripe calls
//! run after the decision, so only news from before them is older.

use chrono::{DateTime, Utc};

use super::draft::Draft;
use super::subscription::Order;
use super::{Decision, Outcome, Rules};
use crate::effect::AuditCause;
use crate::ids::StripeEventId;
use crate::input::{SchedulePhase, ScheduleSnapshot, SubscriptionSnapshot};
use crate::state::{BillingState, ScheduleWatermark, ScheduledChange, Watermark};

/// Any `subscription_schedule.*` event of the tracked, live subscription.
pub(super) fn on_schedule(
    rules: &Rules,
    state: &BillingState,
    event_id: StripeEventId,
    created: DateTime<Utc>,
    schedule: ScheduleSnapshot,
    now: DateTime<Utc>,
) -> Decision {
    let ours = schedule.subscription_id.is_some() && schedule.subscription_id.as_ref() == state.subscription_id();
    if !(ours && state.has_live_subscription()) {
        return Draft::unchanged(state, Outcome::Applied);
    }
    match order(state, &schedule, created, &event_id) {
        Order::Duplicate => return Draft::unchanged(state, Outcome::Duplicate),
        Order::Stale => return Draft::unchanged(state, Outcome::Stale),
        Order::Newer | Order::Tie => {}
    }
    if schedule.status.has_ended() && !speaks_for_the_current_schedule(state, &schedule, created) {
        return Draft::unchanged(state, Outcome::Applied);
    }
    let mut draft = Draft::new(state);
    if schedule.status.has_ended() || replaces_the_last_schedule(state, &schedule) {
        draft.next.scheduled_change = None;
    } else if let Some(phase) = &schedule.next_phase {
        draft.next.scheduled_change = planned_change(rules, state, phase);
    }
    // A schedule of its own with no next phase schedules nothing new: it is how a schedule made
    // from the subscription looks before its phases are set (our own downgrade's first event),
    // so it leaves the scheduled change as it is.
    let ended = schedule.status.has_ended();
    let mark = ScheduleWatermark { schedule_id: Some(schedule.id), ended, created, event_id: Some(event_id.clone()) };
    draft.next.schedule_watermark = Some(mark);
    draft.finish(AuditCause::StripeEvent(event_id), Outcome::Applied, now)
}

/// Where a schedule event stands against the newest schedule news applied. The same second is
/// not older: the later arrival applies, as for invoice facts.
fn order(state: &BillingState, schedule: &ScheduleSnapshot, created: DateTime<Utc>, event_id: &StripeEventId) -> Order {
    let Some(mark) = state.schedule_watermark() else { return Order::Newer };
    if mark.event_id.as_ref() == Some(event_id) {
        return Order::Duplicate;
    }
    // Stripe never revives an ended schedule, whatever the time of later news about it.
    if mark.ended && mark.schedule_id.as_ref() == Some(&schedule.id) {
        return Order::Stale;
    }
    if created < mark.created {
        Order::Stale
    } else {
        Order::Newer
    }
}

/// True for a schedule without a next phase other than the one last heard of: a subscription has
/// one schedule at a time, so the one that scheduled the change is gone, even when the news of
/// its end is still on its way.
fn replaces_the_last_schedule(state: &BillingState, schedule: &ScheduleSnapshot) -> bool {
    let last = state.schedule_watermark().and_then(|mark| mark.schedule_id.as_ref());
    schedule.next_phase.is_none() && last.is_some_and(|last| last != &schedule.id)
}

/// False for the end of a schedule other than the one last heard of, in the same second: it
/// ended before that one was made, and says nothing about it.
fn speaks_for_the_current_schedule(state: &BillingState, schedule: &ScheduleSnapshot, created: DateTime<Utc>) -> bool {
    match state.schedule_watermark() {
        Some(mark) if created == mark.created => mark.schedule_id.as_ref().is_none_or(|current| current == &schedule.id),
        Some(_) | None => true,
    }
}

/// The change a schedule's next phase makes: none when its price is not in the catalog (nothing
/// we can show) or when it keeps the subscribed plan.
fn planned_change(rules: &Rules, state: &BillingState, phase: &SchedulePhase) -> Option<ScheduledChange> {
    let plan = rules.catalog.plan_for_price(&phase.price_id)?.id();
    (state.subscribed_plan() != Some(plan)).then(|| ScheduledChange { plan: plan.clone(), effective_at: phase.starts_at })
}

/// An event snapshot saying that no schedule is attached, newer than every schedule news
/// applied: a schedule released or canceled (in the Portal, say) leaves nothing scheduled. It
/// becomes the newest schedule news, so an older schedule event cannot schedule the change again.
pub(super) fn note_no_schedule(draft: &mut Draft<'_>, snapshot: &SubscriptionSnapshot, watermark: &Watermark) {
    let newer = draft.before().schedule_watermark().is_none_or(|mark| mark.created < watermark.created);
    if snapshot.schedule_id.is_some() || !newer {
        return;
    }
    draft.next.scheduled_change = None;
    let mark = ScheduleWatermark { schedule_id: None, ended: false, created: watermark.created, event_id: watermark.event_id.clone() };
    draft.next.schedule_watermark = Some(mark);
}

/// Our own change to the scheduled change, made at `at`, is the newest schedule news; the
/// watermark never moves back.
pub(super) fn note_own_change(draft: &mut Draft<'_>, at: DateTime<Utc>) {
    let changed = draft.before().scheduled_change() != draft.next.scheduled_change.as_ref();
    let newer = draft.before().schedule_watermark().is_none_or(|mark| mark.created < at);
    if changed && newer {
        draft.next.schedule_watermark = Some(ScheduleWatermark { schedule_id: None, ended: false, created: at, event_id: None });
    }
}
