//! Event envelopes, keys in Stripe's order as the fixtures show it.

use serde_json::Value;

use super::set;
use crate::error::ApiError;
use crate::state::Event;
use crate::templates::{template, Kind};

/// The envelope of `event`, rendered in `api_version`.
pub fn event(event: &Event, api_version: &str, pending_webhooks: usize) -> Result<Value, ApiError> {
    let mut envelope = template(Kind::Event)?;
    let mut data = serde_json::Map::new();
    data.insert("object".to_owned(), event.object.clone());
    if let Some(previous) = &event.previous_attributes {
        data.insert("previous_attributes".to_owned(), previous.clone());
    }
    set(&mut envelope, "id", event.id.as_str());
    set(&mut envelope, "api_version", api_version);
    set(&mut envelope, "created", event.created);
    set(&mut envelope, "data", Value::Object(data));
    set(&mut envelope, "pending_webhooks", pending_webhooks);
    set(&mut envelope, "request", serde_json::json!({"id": event.request_id, "idempotency_key": event.idempotency_key}));
    set(&mut envelope, "type", event.event_type.as_str());
    Ok(envelope)
}
