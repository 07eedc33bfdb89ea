//! The hosted pages behind the URLs the API hands out: Checkout (`/c/pay/{id}`), the billing
//! portal (`/p/session/{id}`) and hosted invoices (`/i/{id}`). Plain server-rendered HTML whose
//! forms post back and are answered with `303 See Other`; no key is needed, as a browser opens
//! them. What they do goes through the same functions as the API, caused by Stripe itself
//! (events with `request.id` null).

mod checkout;
mod html;
mod invoice;
mod portal;

use actix_web::web;
use actix_web::HttpResponse;

use crate::error::ApiError;
use crate::routes::Ctx;
use crate::server::Sim;
use crate::state::{Cause, State};

/// Registers every page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    checkout::configure(cfg);
    portal::configure(cfg);
    invoice::configure(cfg);
}

/// Runs `op` under the state lock, as Stripe acting on the customer's behalf.
fn with_state<F>(sim: &Sim, op: F) -> HttpResponse
where
    F: FnOnce(&mut State, &Ctx) -> HttpResponse,
{
    let Ok(mut state) = sim.state.lock() else {
        return html::message_page(500, "Simulator fault", "The simulator's state is poisoned.");
    };
    let ctx = Ctx { now: sim.clock.now(), cause: Cause::default() };
    op(&mut state, &ctx)
}

/// A page telling an API error: its status and its message.
fn error_page(title: &str, error: &ApiError) -> HttpResponse {
    html::message_page(error.status, title, &error.message)
}

/// What a step of a page's work came to: a value, or the page to answer with instead (boxed,
/// as a response is large).
type Step<T> = Result<T, Box<HttpResponse>>;

/// The form body of a page, or the error page of a body the page never sends.
fn form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Step<T> {
    crate::form::decode(body).map_err(|error| Box::new(error_page("Bad request", &error)))
}
