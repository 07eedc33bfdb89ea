//! Target: `parse_envelope` and the `StripeEventDecoder`, fed random bytes and the event
//! fixtures mutated byte by byte or node by node.

use std::borrow::Cow;

use billing_core::ports::{DecodeError, EventDecoder};
use billing_stripe::{parse_envelope, EnvelopeError, StripeEventDecoder, HANDLED_EVENT_TYPES};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;

use crate::corpus::Corpus;
use crate::harness::Target;
use crate::json::mutate_json;
use crate::mutate::{mutate_bytes, random_bytes};

/// The event decoder target over the fixtures.
#[derive(Debug)]
pub struct EventsTarget<'a> {
    corpus: &'a Corpus,
}

impl<'a> EventsTarget<'a> {
    pub fn new(corpus: &'a Corpus) -> Self {
        Self { corpus }
    }

    fn fixture_bytes(&self, rng: &mut StdRng) -> Vec<u8> {
        self.corpus.pick(rng).map(|f| f.bytes.clone()).unwrap_or_default()
    }

    fn fixture_json(&self, rng: &mut StdRng) -> Value {
        self.corpus.pick(rng).map(|f| f.json.clone()).unwrap_or_default()
    }

    /// A fixture with some of its nodes changed, re-encoded as JSON.
    fn structured(&self, rng: &mut StdRng) -> Vec<u8> {
        let mut event = self.fixture_json(rng);
        if rng.gen_bool(0.3) {
            // Another fixture's object under this type reaches the decoders with the wrong shape.
            if let Some(object) = event.pointer_mut("/data/object") {
                *object = self.fixture_json(rng).pointer("/data/object").cloned().unwrap_or_default();
            }
        }
        if rng.gen_bool(0.3) {
            event["type"] = Value::from(HANDLED_EVENT_TYPES[rng.gen_range(0..HANDLED_EVENT_TYPES.len())]);
        }
        // The object's fields are where decoding happens, so most rounds start the walk there.
        match event.pointer_mut("/data/object") {
            Some(object) if rng.gen_bool(0.85) => mutate_json(rng, object, 4),
            _ => mutate_json(rng, &mut event, 4),
        }
        let encoded = if rng.gen_bool(0.5) { serde_json::to_vec(&event) } else { serde_json::to_vec_pretty(&event) };
        encoded.unwrap_or_default()
    }
}

impl Target for EventsTarget<'_> {
    type Input = Vec<u8>;

    fn name(&self) -> &'static str {
        "event-decoder"
    }

    fn generate(&self, rng: &mut StdRng) -> Vec<u8> {
        // Byte-level changes mostly break the JSON, so most inputs are node-level changes that reach
        // the decoders.
        match rng.gen_range(0..20) {
            0 => random_bytes(rng, 512),
            1 => {
                let mut bytes = self.fixture_bytes(rng);
                bytes.truncate(rng.gen_range(0..=bytes.len()));
                bytes
            }
            2..=5 => {
                let mut bytes = self.fixture_bytes(rng);
                mutate_bytes(rng, &mut bytes, 8);
                bytes
            }
            6..=17 => self.structured(rng),
            _ => {
                let mut bytes = self.structured(rng);
                mutate_bytes(rng, &mut bytes, 3);
                bytes
            }
        }
    }

    fn execute(&self, payload: &Vec<u8>) -> Cow<'static, str> {
        let envelope = parse_envelope(payload);
        let decoded = StripeEventDecoder.decode(payload);
        // The decoder reads the envelope first, so it cannot accept what the envelope refused.
        assert!(envelope.is_ok() || decoded.is_err(), "decoded a payload whose envelope was refused: {decoded:?}");
        let label = match (&envelope, &decoded) {
            (Err(EnvelopeError::NotAnEvent(_)), _) => "not_an_event",
            (Err(EnvelopeError::BadField(_)), _) => "bad_envelope_field",
            (Ok(_), Ok(event)) if event.event.is_some() => "decoded",
            (Ok(_), Ok(_)) => "ignored",
            (Ok(_), Err(DecodeError::Malformed(_))) => "malformed_object",
            (Ok(_), Err(DecodeError::Unsupported(_))) => "unsupported",
            (Ok(_), Err(DecodeError::Unknown(_))) => "unknown_error",
        };
        if let Err(error) = &decoded {
            drop(error.to_string());
        }
        if let Ok(envelope) = envelope {
            drop(envelope.into_delivery(payload.clone(), 0));
        }
        Cow::Borrowed(label)
    }

    fn dump(&self, payload: &Vec<u8>) -> String {
        hex::encode(payload)
    }
}
