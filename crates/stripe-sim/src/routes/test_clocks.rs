//! Test clocks and the helper that switches a customer's saved card.
//!
//! The simulator has one clock: every test clock is a view of it, and advancing any of them
//! moves simulated time for every customer, running whatever falls due on the way.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::handle;
use crate::error::ApiError;
use crate::form::decode;
use crate::server::Sim;
use crate::state::{CardOutcome, State};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/test_helpers/test_clocks", web::post().to(create))
        .route("/v1/test_helpers/test_clocks/{id}", web::get().to(retrieve))
        .route("/v1/test_helpers/test_clocks/{id}/advance", web::post().to(advance))
        .route("/v1/test_helpers/customers/{id}/card", web::post().to(set_card));
}

fn clock_object(id: &str, name: Option<&str>, frozen_time: i64) -> Value {
    json!({"id": id, "object": "test_helpers.test_clock", "created": frozen_time, "deletes_after": frozen_time + 30 * 86_400,
        "frozen_time": frozen_time, "livemode": false, "name": name, "status": "ready", "status_details": {}})
}

#[derive(Debug, Deserialize)]
struct ClockForm {
    frozen_time: Option<i64>,
    name: Option<String>,
}

/// Moves the simulator's clock to `target` and runs what falls due; the past is refused.
fn move_to(sim: &Sim, state: &mut State, now: i64, target: i64) -> Result<(), ApiError> {
    if target < now {
        return Err(ApiError::invalid_param("frozen_time", "The clock can only move forward; frozen_time is before the current time."));
    }
    sim.clock.advance(target - now);
    crate::billing_cycle::run_due(state, target)
}

/// A clock: with `frozen_time` in the future the simulator moves there at once.
async fn create(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: ClockForm = decode(&body)?;
        let target = form.frozen_time.unwrap_or(ctx.now);
        move_to(&sim, state, ctx.now, target)?;
        Ok(clock_object(&crate::ids::new_id("clock"), form.name.as_deref(), target))
    })
}

async fn retrieve(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |_, ctx| Ok(clock_object(&id, None, ctx.now)))
}

/// Stripe advances asynchronously (`advancing`, then `ready`); the simulator finishes before it
/// answers, so the answer is already `ready`.
async fn advance(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: ClockForm = decode(&body)?;
        let target = form.frozen_time.ok_or_else(|| ApiError::invalid_param("frozen_time", "Missing required param: frozen_time."))?;
        move_to(&sim, state, ctx.now, target)?;
        Ok(clock_object(&id, form.name.as_deref(), target))
    })
}

#[derive(Debug, Deserialize)]
struct CardForm {
    card: Option<String>,
}

/// Saves the test card `number` as customer `id`'s payment method for later charges. Decline
/// cards cannot be attached, as on Stripe. The hosted billing portal switches cards through it.
pub(crate) fn save_card(state: &mut State, id: &str, number: &str) -> Result<Value, ApiError> {
    let outcome = match CardOutcome::from_number(number) {
        Some(CardOutcome::Declines) => return Err(ApiError::card_declined("insufficient_funds", "Your card has insufficient funds.")),
        Some(outcome @ (CardOutcome::Succeeds | CardOutcome::AttachesThenFails | CardOutcome::RequiresAuthentication)) => outcome,
        None => return Err(ApiError::invalid_param("card", "The simulator does not know this test card.")),
    };
    let customer = state.customers.get_mut(id).ok_or_else(|| ApiError::missing("customer", "id", id))?;
    customer.card = Some(outcome);
    crate::render::customer(customer)
}

async fn set_card(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, _| {
        let form: CardForm = decode(&body)?;
        let number = form.card.ok_or_else(|| ApiError::invalid_param("card", "Missing required param: card."))?;
        save_card(state, &id, &number)
    })
}
