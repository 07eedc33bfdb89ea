//! The HTTP surface: authentication, `Idempotency-Key` replay and Stripe's response headers
//! around every endpoint module.

pub mod checkout;
mod customers;
mod events;
mod invoices;
mod payments;
mod preview;
mod schedules;
pub mod subscriptions;
pub mod test_clocks;
mod webhook_endpoints;

use actix_web::http::header::HeaderValue;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use crate::error::ApiError;
use crate::idempotency::{fingerprint, Stored};
use crate::server::Sim;
use crate::state::{Cause, State};

/// Registers every endpoint.
pub fn configure(cfg: &mut web::ServiceConfig) {
    customers::configure(cfg);
    checkout::configure(cfg);
    subscriptions::configure(cfg);
    events::configure(cfg);
    preview::configure(cfg);
    invoices::configure(cfg);
    payments::configure(cfg);
    schedules::configure(cfg);
    webhook_endpoints::configure(cfg);
    test_clocks::configure(cfg);
}

/// What a handler knows about its request.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub now: i64,
    pub cause: Cause,
}

/// A URL the customer is sent to (`success_url`, `cancel_url`, `return_url`) must be http(s):
/// the hosted pages link to it, so anything else (`javascript:`, a bare path) is refused at
/// creation.
pub(crate) fn web_url(param: &str, url: Option<&str>) -> Result<(), ApiError> {
    let Some(url) = url else {
        return Ok(());
    };
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    if rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/')) {
        return Ok(());
    }
    Err(ApiError::invalid_param(param, format!("Not a valid URL: {param} must be an http or https URL.")))
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
}

/// Any `Bearer sk_…` key is accepted: the simulator has one account.
fn authorized(req: &HttpRequest) -> bool {
    header(req, "authorization").is_some_and(|value| value.strip_prefix("Bearer ").is_some_and(|key| key.starts_with("sk_")))
}

fn respond(stored: &Stored, request_id: &str, api_version: &str, replayed: bool) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(stored.status).unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.content_type("application/json").insert_header(("Request-Id", request_id)).insert_header(("Stripe-Version", api_version));
    if replayed {
        response.insert_header(("Idempotent-Replayed", HeaderValue::from_static("true")));
    }
    response.body(stored.body.clone())
}

fn stored(result: Result<Value, ApiError>) -> Stored {
    match result {
        Ok(value) => Stored { status: 200, body: value.to_string().into_bytes() },
        Err(error) => Stored { status: error.status, body: error.body().to_string().into_bytes() },
    }
}

/// Runs `op` for a request under the state lock. On POSTs with an `Idempotency-Key` the first
/// answer is stored and replayed; the same key with another request is an `idempotency_error`.
pub fn handle<F>(req: &HttpRequest, body: &Bytes, sim: &Sim, op: F) -> HttpResponse
where
    F: FnOnce(&mut State, &Ctx) -> Result<Value, ApiError>,
{
    let request_id = crate::ids::new_id("req");
    let Ok(mut state) = sim.state.lock() else {
        return respond(&stored(Err(ApiError::internal("the simulator's state is poisoned"))), &request_id, "", false);
    };
    let api_version = state.api_version.clone();
    if !authorized(req) {
        return respond(&stored(Err(ApiError::unauthorized())), &request_id, &api_version, false);
    }
    let is_post = req.method() == actix_web::http::Method::POST;
    let key = if is_post { header(req, "idempotency-key") } else { None };
    let print = fingerprint(req.method().as_str(), req.path(), body);
    if let Some(key) = &key {
        match state.idempotency.replay(key, &print) {
            Ok(Some(answer)) => return respond(&answer, &request_id, &api_version, true),
            Ok(None) => {}
            Err(error) => return respond(&stored(Err(error)), &request_id, &api_version, false),
        }
    }
    let ctx = Ctx { now: sim.clock.now(), cause: Cause { request_id: Some(request_id.clone()), idempotency_key: key.clone() } };
    let answer = stored(op(&mut state, &ctx));
    if let Some(key) = &key {
        state.idempotency.remember(key, print, answer.clone());
    }
    respond(&answer, &request_id, &api_version, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_with_a_host_are_accepted() {
        for good in [None, Some("https://app.example/return?session_id={CHECKOUT_SESSION_ID}"), Some("HTTP://127.0.0.1:8080/billing")] {
            assert_eq!(web_url("success_url", good), Ok(()), "{good:?}");
        }
        for bad in ["javascript:alert(1)", "/billing", "https://", "https:///path", "ftp://files.example/"] {
            assert_eq!(web_url("success_url", Some(bad)).unwrap_err().param.as_deref(), Some("success_url"), "{bad}");
        }
    }
}
