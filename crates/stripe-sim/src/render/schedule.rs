//! Subscription schedules, each phase's item carrying the price id and its legacy `plan`.

use serde_json::{json, Value};

use super::{set, set_at};
use crate::error::ApiError;
use crate::schedule::{Phase, Schedule};
use crate::state::State;
use crate::templates::{template, Kind};

fn phase(template_phase: Option<&Value>, state: &State, phase: &Phase) -> Result<Value, ApiError> {
    let price = state.price(&phase.price).ok_or_else(|| ApiError::internal(format!("unknown price {}", phase.price)))?;
    let mut object = template_phase.cloned().unwrap_or(Value::Null);
    let mut item = object.pointer("/items/0").cloned().unwrap_or(Value::Null);
    set(&mut item, "price", price.id.as_str());
    set(&mut item, "quantity", phase.quantity);
    set_at(&mut item, &["plan", "id"], price.id.as_str());
    set_at(&mut item, &["plan", "amount"], price.unit_amount);
    set_at(&mut item, &["plan", "amount_decimal"], price.unit_amount.to_string());
    set_at(&mut item, &["plan", "currency"], price.currency.as_str());
    set_at(&mut item, &["plan", "nickname"], price.nickname.as_str());
    set_at(&mut item, &["plan", "product"], price.product.as_str());
    set(&mut object, "items", Value::Array(vec![item]));
    set(&mut object, "currency", price.currency.as_str());
    set(&mut object, "start_date", phase.start);
    set(&mut object, "end_date", phase.end);
    set(&mut object, "proration_behavior", phase.proration_behavior.as_str());
    Ok(object)
}

/// A schedule; `current_phase` only while it is active.
pub fn schedule(state: &State, schedule: &Schedule) -> Result<Value, ApiError> {
    let mut object = template(Kind::Schedule)?;
    let template_phase = object.pointer("/phases/0").cloned();
    let phases = schedule.phases.iter().map(|p| phase(template_phase.as_ref(), state, p)).collect::<Result<Vec<_>, _>>()?;
    let now = schedule_now(state, schedule);
    let current = schedule.phase_at(now).map(|p| json!({"end_date": p.end, "start_date": p.start}));
    set(&mut object, "id", schedule.id.as_str());
    set(&mut object, "created", schedule.created);
    set(&mut object, "customer", schedule.customer.as_str());
    set(&mut object, "subscription", schedule.subscription.clone());
    set(&mut object, "released_subscription", schedule.released_subscription.clone());
    set(&mut object, "status", schedule.status.as_str());
    set(&mut object, "end_behavior", schedule.end_behavior.as_str());
    set(&mut object, "phases", Value::Array(phases));
    set(&mut object, "current_phase", current);
    set(&mut object, "released_at", schedule.released_at);
    set(&mut object, "canceled_at", schedule.canceled_at);
    set(&mut object, "completed_at", schedule.completed_at);
    set(&mut object, "metadata", Value::Object(serde_json::Map::new()));
    Ok(object)
}

/// The moment the schedule is seen at: its subscription's period start when the current time is
/// not known here. Phases follow periods, so the phase spanning the period start is the one
/// running.
fn schedule_now(state: &State, schedule: &Schedule) -> i64 {
    let sub = schedule.subscription.as_ref().and_then(|id| state.subscriptions.get(id));
    sub.map_or_else(|| schedule.phases.first().map_or(0, |p| p.start), |sub| sub.period_start)
}
