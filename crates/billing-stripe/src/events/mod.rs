//! Stripe event envelopes: what the server records in its ledger before processing, and the
//! decoder that turns a stored payload into a billing-core input.

mod decode;
mod facts;

use billing_core::services::VerifiedDelivery;
use billing_core::{OrgId, StripeCustomerId, StripeEventId};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::convert::{first_org_id, parse_id, timestamp, ConvertError};
use crate::wire;

pub use decode::{StripeEventDecoder, HANDLED_EVENT_TYPES};

/// The envelope of one event, with the organization hints found in its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventEnvelope {
    pub id: StripeEventId,
    /// `type`, e.g. `invoice.paid`.
    pub event_type: String,
    /// Stripe's `created`, in Stripe's clock.
    pub created: DateTime<Utc>,
    /// The version the object is rendered in (the endpoint's, not the request header's).
    pub api_version: Option<String>,
    pub livemode: bool,
    /// `client_reference_id` or `metadata.org_id` of the object (for invoices also the
    /// subscription metadata copied onto them).
    pub org_hint: Option<OrgId>,
    /// The customer the object belongs to (or is).
    pub customer: Option<StripeCustomerId>,
    /// `request.id`; `None` for changes Stripe made on its own (renewals, retries).
    pub request_id: Option<String>,
    /// `request.idempotency_key`: recognises events caused by our own calls.
    pub idempotency_key: Option<String>,
}

/// Why a payload is not a readable event envelope.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("payload is not a Stripe event envelope")]
    NotAnEvent(#[source] serde_json::Error),
    #[error("event envelope has an invalid field")]
    BadField(#[from] ConvertError),
}

impl EventEnvelope {
    /// The delivery to record: this envelope, the raw body it was read from, and the position of
    /// the secret that verified it.
    pub fn into_delivery(self, payload: Vec<u8>, secret_index: usize) -> VerifiedDelivery {
        VerifiedDelivery {
            id: self.id,
            event_type: self.event_type,
            created: self.created,
            api_version: self.api_version,
            livemode: self.livemode,
            org_hint: self.org_hint,
            customer: self.customer,
            payload,
            verified_by: Some(u32::try_from(secret_index).unwrap_or(u32::MAX)),
        }
    }

    /// The event to record when it was fetched from the API rather than delivered: nothing
    /// verified a signature, the API call itself was authenticated with our key.
    pub fn into_fetched(self, payload: Vec<u8>) -> VerifiedDelivery {
        let mut delivery = self.into_delivery(payload, 0);
        delivery.verified_by = None;
        delivery
    }
}

/// Reads the envelope of a webhook payload (verify its signature first).
///
/// # Errors
/// [`EnvelopeError::NotAnEvent`] when the bytes are not JSON with `id`, `type`, `created` and
/// `data.object`; [`EnvelopeError::BadField`] for an invalid event id or timestamp.
pub fn parse_envelope(payload: &[u8]) -> Result<EventEnvelope, EnvelopeError> {
    read_event(payload).map(|(_, envelope)| envelope)
}

pub(crate) fn read_event(payload: &[u8]) -> Result<(wire::Event, EventEnvelope), EnvelopeError> {
    let event: wire::Event = serde_json::from_slice(payload).map_err(EnvelopeError::NotAnEvent)?;
    let envelope = envelope_of(&event)?;
    Ok((event, envelope))
}

pub(crate) fn envelope_of(event: &wire::Event) -> Result<EventEnvelope, ConvertError> {
    let request = event.request.as_ref();
    Ok(EventEnvelope {
        id: parse_id("id", &event.id)?,
        event_type: event.event_type.clone(),
        created: timestamp("created", event.created)?,
        api_version: event.api_version.clone(),
        livemode: event.livemode,
        org_hint: org_hint(&event.data.object),
        customer: customer_of(&event.data.object),
        request_id: request.and_then(wire::EventRequest::id).map(str::to_owned),
        idempotency_key: request.and_then(wire::EventRequest::idempotency_key).map(str::to_owned),
    })
}

/// The first usable organization id named by the object; ids that do not parse are skipped.
fn org_hint(object: &Value) -> Option<OrgId> {
    let candidates = [
        object.get("client_reference_id"),
        object.pointer("/metadata/org_id"),
        object.pointer("/parent/subscription_details/metadata/org_id"),
        object.pointer("/subscription_details/metadata/org_id"),
    ];
    first_org_id(candidates.map(|candidate| candidate.and_then(Value::as_str)))
}

/// `object.customer` (an id or an expanded customer), or the object itself when it is a customer.
fn customer_of(object: &Value) -> Option<StripeCustomerId> {
    let raw = match object.get("customer") {
        Some(Value::String(id)) => Some(id.as_str()),
        Some(expanded @ Value::Object(_)) => expanded.get("id").and_then(Value::as_str),
        _ if object.get("object").and_then(Value::as_str) == Some("customer") => object.get("id").and_then(Value::as_str),
        _ => None,
    };
    raw.and_then(|id| StripeCustomerId::parse(id).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_hints_come_from_the_reference_then_metadata() {
        let session = serde_json::json!({"client_reference_id": "org_1", "metadata": {"org_id": "org_2"}});
        let subscription = serde_json::json!({"client_reference_id": null, "metadata": {"org_id": "org_2"}});
        let invoice = serde_json::json!({"metadata": {}, "parent": {"subscription_details": {"metadata": {"org_id": "org_3"}}}});
        let garbage = serde_json::json!({"client_reference_id": "not an id", "metadata": {"org_id": 7}});
        let bad_reference = serde_json::json!({"client_reference_id": "not an id", "metadata": {"org_id": "org_4"}});

        assert_eq!(org_hint(&session).map(|o| o.to_string()), Some("org_1".into()));
        assert_eq!(org_hint(&subscription).map(|o| o.to_string()), Some("org_2".into()));
        assert_eq!(org_hint(&invoice).map(|o| o.to_string()), Some("org_3".into()));
        assert_eq!(org_hint(&garbage), None);
        assert_eq!(org_hint(&bad_reference).map(|o| o.to_string()), Some("org_4".into()));
    }

    #[test]
    fn customers_are_found_as_ids_expanded_objects_or_the_object_itself() {
        let by_id = serde_json::json!({"customer": "cus_1"});
        let expanded = serde_json::json!({"customer": {"id": "cus_2", "object": "customer"}});
        let itself = serde_json::json!({"id": "cus_3", "object": "customer"});

        assert_eq!(customer_of(&by_id).map(|c| c.to_string()), Some("cus_1".into()));
        assert_eq!(customer_of(&expanded).map(|c| c.to_string()), Some("cus_2".into()));
        assert_eq!(customer_of(&itself).map(|c| c.to_string()), Some("cus_3".into()));
    }

    #[test]
    fn payloads_that_are_not_events_are_rejected() {
        assert!(matches!(parse_envelope(b"not json"), Err(EnvelopeError::NotAnEvent(_))));
        assert!(matches!(parse_envelope(br#"{"id": "evt_1"}"#), Err(EnvelopeError::NotAnEvent(_))));
        let bad_id = br#"{"id": "ch_1", "type": "x", "created": 1, "data": {"object": {}}}"#;
        assert!(matches!(parse_envelope(bad_id), Err(EnvelopeError::BadField(_))));
    }
}
