//! Subscription schedules as time moves: the price of the phase starting at a renewal, the end
//! of the last phase (release or cancel), releasing by request and canceling with the
//! subscription.

use serde_json::json;

use crate::error::ApiError;
use crate::render;
use crate::schedule::{EndBehavior, Schedule, ScheduleStatus};
use crate::state::{Cause, State, Subscription};

/// The active schedule of `sub`.
fn active(state: &State, sub: &Subscription) -> Option<Schedule> {
    let schedule = sub.schedule.as_ref().and_then(|id| state.schedules.get(id))?;
    (schedule.status == ScheduleStatus::Active).then(|| schedule.clone())
}

/// Stores a schedule and emits an event about it.
pub fn emit(
    state: &mut State,
    cause: &Cause,
    at: i64,
    event_type: &str,
    schedule: &Schedule,
    previous: Option<serde_json::Value>,
) -> Result<(), ApiError> {
    state.schedules.insert(schedule.id.clone(), schedule.clone());
    let object = render::schedule(state, schedule)?;
    state.emit(cause, at, event_type, object, previous);
    Ok(())
}

/// The price of the phase running at `at`, when a schedule controls `sub`.
pub fn price_at(state: &State, sub: &Subscription, at: i64) -> Option<String> {
    active(state, sub).and_then(|schedule| schedule.phase_at(at).map(|phase| phase.price.clone()))
}

/// After a renewal into a new phase: `subscription_schedule.updated`, its `current_phase` moved.
pub fn phase_started(state: &mut State, sub: &Subscription, at: i64) -> Result<(), ApiError> {
    let Some(schedule) = active(state, sub) else {
        return Ok(());
    };
    let Some(index) = schedule.phases.iter().position(|phase| phase.start == sub.period_start) else {
        return Ok(());
    };
    let Some(previous_phase) = index.checked_sub(1).and_then(|i| schedule.phases.get(i)) else {
        return Ok(());
    };
    let previous = json!({"current_phase": {"end_date": previous_phase.end, "start_date": previous_phase.start}});
    emit(state, &Cause::default(), at, "subscription_schedule.updated", &schedule, Some(previous))
}

/// At a period end, a schedule whose last phase is over ends: released (the subscription goes
/// on) or completed with the subscription canceled. True when the subscription was canceled.
pub fn end_if_over(state: &mut State, sub: &mut Subscription, at: i64) -> Result<bool, ApiError> {
    let Some(schedule) = active(state, sub).filter(|schedule| schedule.end().is_some_and(|end| end <= at)) else {
        return Ok(false);
    };
    match schedule.end_behavior {
        EndBehavior::Release => {
            release(state, &Cause::default(), sub, schedule, at)?;
            Ok(false)
        }
        EndBehavior::Cancel => {
            let mut schedule = schedule;
            schedule.status = ScheduleStatus::Completed;
            schedule.completed_at = Some(at);
            // Detached first, so that ending the subscription does not cancel the schedule.
            sub.schedule = None;
            sub.canceled_at = Some(at);
            *sub = super::end_subscription(state, &Cause::default(), sub.clone(), at)?;
            emit(state, &Cause::default(), at, "subscription_schedule.completed", &schedule, Some(json!({"status": "active"})))?;
            Ok(true)
        }
    }
}

/// Releases `schedule` from `sub`, which keeps its price: `subscription_schedule.released`.
pub fn release(state: &mut State, cause: &Cause, sub: &mut Subscription, mut schedule: Schedule, at: i64) -> Result<Schedule, ApiError> {
    let before = render::schedule(state, &schedule)?;
    schedule.status = ScheduleStatus::Released;
    schedule.released_at = Some(at);
    schedule.released_subscription = schedule.subscription.take();
    sub.schedule = None;
    state.subscriptions.insert(sub.id.clone(), sub.clone());
    let previous = json!({
        "current_phase": before.get("current_phase"),
        "released_at": null,
        "released_subscription": null,
        "status": "active",
        "subscription": before.get("subscription"),
    });
    emit(state, cause, at, "subscription_schedule.released", &schedule, Some(previous))?;
    Ok(schedule)
}

/// A subscription that ends takes its schedule with it: `subscription_schedule.canceled`.
pub fn cancel_with(state: &mut State, cause: &Cause, sub: &Subscription, at: i64) -> Result<(), ApiError> {
    let Some(mut schedule) = active(state, sub) else {
        return Ok(());
    };
    schedule.status = ScheduleStatus::Canceled;
    schedule.canceled_at = Some(at);
    emit(state, cause, at, "subscription_schedule.canceled", &schedule, Some(json!({"canceled_at": null, "status": "active"})))
}
