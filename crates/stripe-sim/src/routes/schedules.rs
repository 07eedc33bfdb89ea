//! `/v1/subscription_schedules`: made from a subscription, retrieved, given new phases,
//! released or canceled.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::{handle, Ctx};
use crate::billing_cycle::schedule::{emit, release};
use crate::error::ApiError;
use crate::form::decode;
use crate::ids::new_id;
use crate::render;
use crate::routes::checkout::PERIOD_SECS;
use crate::schedule::{EndBehavior, Phase, Schedule, ScheduleStatus};
use crate::server::Sim;
use crate::state::{State, SubStatus, Subscription};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/subscription_schedules", web::post().to(create))
        .route("/v1/subscription_schedules/{id}", web::get().to(retrieve))
        .route("/v1/subscription_schedules/{id}", web::post().to(update))
        .route("/v1/subscription_schedules/{id}/release", web::post().to(release_route))
        .route("/v1/subscription_schedules/{id}/cancel", web::post().to(cancel));
}

fn find(state: &State, id: &str) -> Result<Schedule, ApiError> {
    state.schedules.get(id).cloned().ok_or_else(|| ApiError::missing("subscription_schedule", "id", id))
}

fn find_active(state: &State, id: &str) -> Result<Schedule, ApiError> {
    let schedule = find(state, id)?;
    if schedule.status != ScheduleStatus::Active {
        return Err(ApiError::state(format!("You cannot change a schedule that is {} ({id}).", schedule.status.as_str())));
    }
    Ok(schedule)
}

/// Stripe allows nothing next to `from_subscription`.
fn from_subscription(state: &mut State, ctx: &Ctx, body: &[u8]) -> Result<Value, ApiError> {
    let form: std::collections::BTreeMap<String, String> = decode(body)?;
    if let Some(other) = form.keys().find(|key| *key != "from_subscription") {
        return Err(ApiError::invalid_param(other, "You cannot set other parameters when from_subscription is set."));
    }
    let id = form.get("from_subscription").ok_or_else(|| {
        ApiError::invalid_param("from_subscription", "The simulator makes schedules from subscriptions only; pass from_subscription.")
    })?;
    let mut sub = state.subscriptions.get(id).cloned().ok_or_else(|| ApiError::missing("subscription", "from_subscription", id))?;
    if sub.status == SubStatus::Canceled || sub.schedule.is_some() {
        return Err(ApiError::invalid_param("from_subscription", format!("The subscription {id} is canceled or already on a schedule.")));
    }
    let phase = Phase {
        price: sub.price.clone(),
        quantity: 1,
        start: sub.period_start,
        end: sub.period_end,
        proration_behavior: "create_prorations".into(),
    };
    let schedule = Schedule {
        id: new_id("sub_sched"),
        created: ctx.now,
        customer: sub.customer.clone(),
        subscription: Some(sub.id.clone()),
        released_subscription: None,
        status: ScheduleStatus::Active,
        end_behavior: EndBehavior::Release,
        phases: vec![phase],
        released_at: None,
        canceled_at: None,
        completed_at: None,
    };
    sub.schedule = Some(schedule.id.clone());
    state.subscriptions.insert(sub.id.clone(), sub);
    emit(state, &ctx.cause, ctx.now, "subscription_schedule.created", &schedule, None)?;
    render::schedule(state, &schedule)
}

async fn create(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| from_subscription(state, ctx, &body))
}

async fn retrieve(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| render::schedule(state, &find(state, &id)?))
}

#[derive(Debug, Deserialize)]
struct PhaseItem {
    price: Option<String>,
    quantity: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct Duration {
    interval: Option<String>,
    interval_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct PhaseForm {
    #[serde(default)]
    items: Vec<PhaseItem>,
    start_date: Option<i64>,
    end_date: Option<i64>,
    duration: Option<Duration>,
}

#[derive(Debug, Deserialize)]
struct UpdateSchedule {
    end_behavior: Option<String>,
    proration_behavior: Option<String>,
    #[serde(default)]
    phases: Vec<PhaseForm>,
}

/// How long a `duration` lasts: months are the simulator's 30-day periods.
fn duration_secs(index: usize, duration: &Duration) -> Result<i64, ApiError> {
    let count = duration.interval_count.unwrap_or(1).max(1);
    let unit = match duration.interval.as_deref() {
        Some("day") => 86_400,
        Some("week") => 7 * 86_400,
        Some("month") => PERIOD_SECS,
        Some("year") => 12 * PERIOD_SECS,
        _ => return Err(ApiError::invalid_param(&format!("phases[{index}][duration][interval]"), "Use day, week, month or year.")),
    };
    Ok(unit * count)
}

/// One phase of the request, starting at `start`.
fn phase(state: &State, index: usize, form: &PhaseForm, start: i64, last: bool, proration: &str) -> Result<Phase, ApiError> {
    let param = |name: &str| format!("phases[{index}][{name}]");
    let item = match form.items.as_slice() {
        [one] if one.quantity.unwrap_or(1) == 1 => one,
        _ => return Err(ApiError::invalid_param(&param("items"), "The simulator supports one item of quantity 1 per phase.")),
    };
    let price = item.price.clone().ok_or_else(|| ApiError::invalid_param(&param("items"), "Missing the phase's price."))?;
    if state.price(&price).is_none() {
        return Err(ApiError::missing("price", &param("items"), &price));
    }
    let end = match (form.end_date, &form.duration) {
        (Some(end), _) => end,
        (None, Some(duration)) => start + duration_secs(index, duration)?,
        (None, None) if last => start + PERIOD_SECS,
        (None, None) => return Err(ApiError::invalid_param(&param("end_date"), "Every phase but the last needs end_date or duration.")),
    };
    if end <= start {
        return Err(ApiError::invalid_param(&param("end_date"), "A phase must end after it starts."));
    }
    Ok(Phase { price, quantity: 1, start, end, proration_behavior: proration.to_owned() })
}

/// The simulator switches prices at renewals only, so a phase it would accept and then ignore is
/// refused: the first (running) phase keeps the subscription's price, and every phase ends at
/// one of the subscription's period boundaries.
fn fits_the_periods(sub: &Subscription, index: usize, form: &PhaseForm, phase: &Phase) -> Result<(), ApiError> {
    if index == 0 && phase.price != sub.price {
        return Err(ApiError::invalid_param(
            "phases[0][items][0][price]",
            format!("The simulator switches prices at renewals only: the current phase keeps the price {}.", sub.price),
        ));
    }
    if phase.end < sub.period_end || (phase.end - sub.period_end) % PERIOD_SECS != 0 {
        let name = if form.end_date.is_some() || form.duration.is_none() { "end_date" } else { "duration" };
        let message =
            format!("The simulator ends phases at the subscription's period ends only: {} plus a multiple of 30 days.", sub.period_end);
        return Err(ApiError::invalid_param(&format!("phases[{index}][{name}]"), message));
    }
    Ok(())
}

/// The new phases, from the running one on (past phases are dropped): the first must keep the
/// running phase's start, as Stripe requires, and each next one starts where the one before ends.
fn phases(state: &State, sub: &Subscription, schedule: &Schedule, form: &UpdateSchedule) -> Result<Vec<Phase>, ApiError> {
    let current = schedule.phase_at(sub.period_start).or(schedule.phases.first());
    let current_start = current.map_or(0, |p| p.start);
    let proration = form.proration_behavior.as_deref().unwrap_or("create_prorations");
    let mut out: Vec<Phase> = Vec::new();
    for (index, form_phase) in form.phases.iter().enumerate() {
        let start = out.last().map_or(current_start, |p| p.end);
        if form_phase.start_date.is_some_and(|given| given != start) {
            let message = if index == 0 {
                "You cannot change the start_date of the current phase."
            } else {
                "Phases must be contiguous: each start_date is the previous end_date."
            };
            return Err(ApiError::invalid_param(&format!("phases[{index}][start_date]"), message));
        }
        let next = phase(state, index, form_phase, start, index + 1 == form.phases.len(), proration)?;
        fits_the_periods(sub, index, form_phase, &next)?;
        out.push(next);
    }
    Ok(out)
}

fn apply_update(state: &mut State, ctx: &Ctx, id: &str, form: &UpdateSchedule) -> Result<Value, ApiError> {
    let mut schedule = find_active(state, id)?;
    let before = render::schedule(state, &schedule)?;
    let mut previous = serde_json::Map::new();
    if let Some(raw) = form.end_behavior.as_deref() {
        schedule.end_behavior = match raw {
            "release" => EndBehavior::Release,
            "cancel" => EndBehavior::Cancel,
            other => return Err(ApiError::invalid_param("end_behavior", format!("Invalid end_behavior: {other}."))),
        };
        previous.insert("end_behavior".into(), before["end_behavior"].clone());
    }
    if !form.phases.is_empty() {
        let sub = schedule.subscription.as_ref().and_then(|id| state.subscriptions.get(id));
        let sub = sub.ok_or_else(|| ApiError::internal("an active schedule without its subscription"))?;
        schedule.phases = phases(state, sub, &schedule, form)?;
        previous.insert("phases".into(), before["phases"].clone());
    }
    emit(state, &ctx.cause, ctx.now, "subscription_schedule.updated", &schedule, Some(Value::Object(previous)))?;
    render::schedule(state, &schedule)
}

async fn update(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: UpdateSchedule = decode(&body)?;
        apply_update(state, ctx, &id, &form)
    })
}

async fn release_route(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let schedule = find_active(state, &id)?;
        let sub_id = schedule.subscription.clone().ok_or_else(|| ApiError::internal("an active schedule without a subscription"))?;
        let mut sub = state.subscriptions.get(&sub_id).cloned().ok_or_else(|| ApiError::internal("a schedule's subscription vanished"))?;
        let released = release(state, &ctx.cause, &mut sub, schedule, ctx.now)?;
        render::schedule(state, &released)
    })
}

/// Cancels the schedule and its subscription now.
async fn cancel(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let schedule = find_active(state, &id)?;
        let sub_id = schedule.subscription.clone().ok_or_else(|| ApiError::internal("an active schedule without a subscription"))?;
        let mut sub = state.subscriptions.get(&sub_id).cloned().ok_or_else(|| ApiError::internal("a schedule's subscription vanished"))?;
        sub.canceled_at = Some(ctx.now);
        crate::billing_cycle::end_subscription(state, &ctx.cause, sub, ctx.now)?;
        render::schedule(state, &find(state, &id)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_count_months_as_the_simulators_periods() {
        let month = Duration { interval: Some("month".into()), interval_count: Some(2) };
        let bad = Duration { interval: Some("fortnight".into()), interval_count: None };

        assert_eq!(duration_secs(1, &month).unwrap(), 2 * PERIOD_SECS);
        assert_eq!(duration_secs(1, &bad).unwrap_err().param.as_deref(), Some("phases[1][duration][interval]"));
    }
}
