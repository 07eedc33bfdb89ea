//! `/v1/webhook_endpoints` and the test helpers that rotate a signing secret and switch
//! delivery faults on and off.

use std::time::Duration;

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::handle;
use crate::error::ApiError;
use crate::form::decode;
use crate::ids::new_id;
use crate::server::Sim;
use crate::state::State;
use crate::templates::{template, Kind};
use crate::webhooks::{new_secret, Faults, PreviousSecret, WebhookEndpoint};

/// How long the old secret keeps signing after a rotation when `expires_in` is not given.
const DEFAULT_OVERLAP_SECS: i64 = 3600;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/webhook_endpoints", web::post().to(create))
        .route("/v1/webhook_endpoints", web::get().to(list))
        .route("/v1/webhook_endpoints/{id}", web::get().to(retrieve))
        .route("/v1/webhook_endpoints/{id}", web::delete().to(delete))
        .route("/v1/test_helpers/webhook_endpoints/{id}/rotate_secret", web::post().to(rotate))
        .route("/v1/test_helpers/webhook_faults", web::post().to(set_faults))
        .route("/v1/test_helpers/webhook_faults", web::delete().to(clear_faults));
}

/// The endpoint object; `secret` only where Stripe shows it (creation, here also rotation).
fn render(endpoint: &WebhookEndpoint, with_secret: bool) -> Result<Value, ApiError> {
    let mut object = template(Kind::WebhookEndpoint)?;
    for (key, value) in [
        ("id", json!(endpoint.id)),
        ("created", json!(endpoint.created)),
        ("url", json!(endpoint.url)),
        ("enabled_events", json!(endpoint.enabled_events)),
        ("api_version", json!(endpoint.api_version)),
        ("description", Value::Null),
        ("status", json!("enabled")),
    ] {
        crate::render::set(&mut object, key, value);
    }
    if with_secret {
        crate::render::set(&mut object, "secret", endpoint.secret.as_str());
    }
    Ok(object)
}

#[derive(Debug, Deserialize)]
struct CreateEndpoint {
    url: Option<String>,
    #[serde(default)]
    enabled_events: Vec<String>,
    api_version: Option<String>,
}

fn validated(state: &State, form: CreateEndpoint) -> Result<(String, Vec<String>, Option<String>), ApiError> {
    let url = form.url.ok_or_else(|| ApiError::invalid_param("url", "Missing required param: url."))?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ApiError::invalid_param("url", "Invalid URL: the URL must start with http:// or https://."));
    }
    if form.enabled_events.is_empty() || form.enabled_events.iter().any(|event| event != "*" && !event.contains('.')) {
        return Err(ApiError::invalid_param("enabled_events", "enabled_events must list event types or `*`."));
    }
    // The simulator renders one shape, so it refuses to pretend to render another version.
    if form.api_version.as_ref().is_some_and(|version| *version != state.api_version) {
        return Err(ApiError::invalid_param("api_version", format!("The simulator renders events in {} only.", state.api_version)));
    }
    Ok((url, form.enabled_events, form.api_version))
}

async fn create(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let (url, enabled_events, api_version) = validated(state, decode(&body)?)?;
        let endpoint = WebhookEndpoint {
            id: new_id("we"),
            created: ctx.now,
            url,
            enabled_events,
            api_version,
            secret: new_secret(),
            previous_secret: None,
            cursor: state.events.len(),
        };
        let object = render(&endpoint, true)?;
        state.webhook_endpoints.push(endpoint);
        Ok(object)
    })
}

async fn list(req: HttpRequest, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let data = state.webhook_endpoints.iter().rev().map(|endpoint| render(endpoint, false)).collect::<Result<Vec<_>, _>>()?;
        Ok(json!({"object": "list", "data": data, "has_more": false, "url": "/v1/webhook_endpoints"}))
    })
}

fn find<'a>(state: &'a mut State, id: &str) -> Result<&'a mut WebhookEndpoint, ApiError> {
    state.webhook_endpoints.iter_mut().find(|endpoint| endpoint.id == id).ok_or_else(|| ApiError::missing("webhook_endpoint", "id", id))
}

async fn retrieve(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| render(find(state, &id)?, false))
}

/// Deleting stops deliveries and retries to the endpoint.
async fn delete(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        find(state, &id)?;
        state.webhook_endpoints.retain(|endpoint| endpoint.id != *id);
        for waiting in state.pending.values_mut() {
            waiting.remove(id.as_str());
        }
        Ok(json!({"id": id.as_str(), "object": "webhook_endpoint", "deleted": true}))
    })
}

#[derive(Debug, Deserialize)]
struct Rotate {
    expires_in: Option<i64>,
}

/// A new secret; the old one keeps signing for `expires_in` wall-clock seconds (0 ends it now).
async fn rotate(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, _| {
        let form: Rotate = decode(&body)?;
        let overlap = form.expires_in.unwrap_or(DEFAULT_OVERLAP_SECS);
        if !(0..=86_400).contains(&overlap) {
            return Err(ApiError::invalid_param("expires_in", "expires_in must be between 0 and 86400 seconds."));
        }
        let endpoint = find(state, &id)?;
        let old = std::mem::replace(&mut endpoint.secret, new_secret());
        endpoint.previous_secret = Some(PreviousSecret { secret: old, expires_at: Utc::now().timestamp() + overlap });
        render(endpoint, true)
    })
}

#[derive(Debug, Deserialize)]
struct FaultsForm {
    delay_ms: Option<u64>,
    duplicate: Option<bool>,
    reorder: Option<bool>,
    drop_first: Option<bool>,
}

fn rendered_faults(faults: Faults) -> Value {
    let delay_ms = u64::try_from(faults.delay.as_millis()).unwrap_or(u64::MAX);
    json!({"object": "webhook_faults", "delay_ms": delay_ms, "duplicate": faults.duplicate, "reorder": faults.reorder, "drop_first": faults.drop_first})
}

/// Replaces the faults; anything not named is off.
async fn set_faults(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, _| {
        let form: FaultsForm = decode(&body)?;
        state.faults = Faults {
            delay: Duration::from_millis(form.delay_ms.unwrap_or(0)),
            duplicate: form.duplicate.unwrap_or(false),
            reorder: form.reorder.unwrap_or(false),
            drop_first: form.drop_first.unwrap_or(false),
        };
        Ok(rendered_faults(state.faults))
    })
}

async fn clear_faults(req: HttpRequest, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        state.faults = Faults::default();
        Ok(rendered_faults(state.faults))
    })
}
