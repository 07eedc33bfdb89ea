//! The Stripe adapter of the billing service.
//!
//! - [`StripeClient`]: a small reqwest client (form bodies, pinned `Stripe-Version`, one
//!   `Idempotency-Key` per operation reused on every retry, optionally behind the installation's
//!   prefix, bounded retries with backoff) that implements billing-core's
//!   [`billing_core::ports::PaymentProvider`].
//! - [`verify_signature`]: pure webhook signature verification over the raw body bytes, with
//!   several accepted secrets for rotation; [`generate_test_header`] signs payloads for tests.
//! - [`parse_envelope`] and [`StripeEventDecoder`]: a verified payload to the envelope the
//!   ledger records, and to the billing-core input (or "ignored").
//!
//! ```
//! use billing_stripe::{default_tolerance, generate_test_header, parse_envelope, verify_signature, WebhookSecret};
//! use chrono::DateTime;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let body = br#"{"id": "evt_1", "type": "ping", "created": 1785765754, "data": {"object": {}}}"#;
//! let header = generate_test_header(body, "whsec_example", 1_785_765_754);
//! let secrets = [WebhookSecret::new("whsec_example")];
//! let now = DateTime::from_timestamp(1_785_765_800, 0).ok_or("time out of range")?;
//!
//! let verified = verify_signature(body, Some(&header), &secrets, now, default_tolerance())?;
//! let envelope = parse_envelope(body)?;
//!
//! assert_eq!(verified.secret_index, 0);
//! assert_eq!(envelope.event_type, "ping");
//! # Ok(())
//! # }
//! ```
//!
//! `docs/stripe.md` describes the pinned API version, the payload shapes accepted and the retry
//! and idempotency rules.

mod client;
mod config;
mod convert;
mod error;
mod events;
mod form;
mod idempotency;
mod invoices;
mod ops;
mod pending;
mod provider;
mod refunds;
mod retry;
mod webhook;
pub mod wire;

pub use client::{ConfigError, StripeClient};
pub use config::{StripeConfig, DEFAULT_API_VERSION, DEFAULT_BASE_URL, MAX_IDEMPOTENCY_PREFIX_LEN};
pub use convert::ConvertError;
pub use error::{BodyProblem, StripeError};
pub use events::{parse_envelope, EnvelopeError, EventEnvelope, StripeEventDecoder, HANDLED_EVENT_TYPES};
pub use form::Form;
pub use ops::{DowngradePhases, EventListFilter, EventPage, FetchedEvent};
pub use refunds::WireRefund;
pub use secrecy::SecretString;
pub use webhook::{
    default_tolerance, generate_test_header, parse_signature_header, verify_signature, SignatureError, SignatureHeader, VerifiedSignature,
    WebhookSecret, DEFAULT_TOLERANCE_SECS,
};
