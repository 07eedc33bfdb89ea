//! Event envelopes, event lists and error bodies.

use serde::Deserialize;

use super::{lenient_enum, null_default};

/// A Stripe event envelope; `data.object` stays JSON until the type says what it is.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created: i64,
    pub api_version: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub livemode: bool,
    pub data: EventData,
    pub request: Option<EventRequest>,
}

/// `event.data`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
    /// Only on `*.updated`: the changed keys with their old values.
    pub previous_attributes: Option<serde_json::Value>,
}

/// `event.request`: who caused the event. A plain id string in very old API versions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum EventRequest {
    Details { id: Option<String>, idempotency_key: Option<String> },
    Legacy(String),
}

impl EventRequest {
    /// The API request id, `None` for Stripe-initiated changes.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Details { id, .. } => id.as_deref(),
            Self::Legacy(id) => Some(id),
        }
    }

    /// The `Idempotency-Key` of the request that caused the event.
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            Self::Details { idempotency_key, .. } => idempotency_key.as_deref(),
            Self::Legacy(_) => None,
        }
    }
}

/// A page of `GET /v1/events`; each event kept as JSON for the decoder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventList {
    #[serde(default, deserialize_with = "null_default")]
    pub data: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "null_default")]
    pub has_more: bool,
}

lenient_enum!(
    /// `error.type` of an error body.
    ErrorType {
        ApiError => "api_error",
        CardError => "card_error",
        IdempotencyError => "idempotency_error",
        InvalidRequestError => "invalid_request_error",
    }
);

/// An error response: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetails,
}

/// The fields of an error we act on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiErrorDetails {
    #[serde(rename = "type")]
    pub error_type: Option<ErrorType>,
    pub code: Option<String>,
    pub decline_code: Option<String>,
    pub param: Option<String>,
    /// Safe to show to users for card errors only.
    pub message: Option<String>,
}
