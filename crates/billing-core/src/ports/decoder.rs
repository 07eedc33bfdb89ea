//! The event-decoder port: turns a stored webhook payload into a domain [`StripeEvent`].

use crate::ids::{OrgId, StripeCustomerId};
use crate::input::StripeEvent;

/// A decoded webhook payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedEvent {
    /// `None` for event types the billing state does not depend on (acknowledged and recorded).
    pub event: Option<StripeEvent>,
    /// The organization named by the payload (`client_reference_id` or `metadata.org_id`).
    pub org_hint: Option<OrgId>,
    /// The Stripe customer the payload is about, to find the organization otherwise.
    pub customer: Option<StripeCustomerId>,
    /// The envelope's `livemode`: which of Stripe's two worlds the event belongs to.
    pub livemode: bool,
}

/// Why a payload could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The payload is not an event we can read; retrying will not help.
    #[error("malformed event payload: {0}")]
    Malformed(String),
    /// The payload references a price or status we do not know.
    #[error("event payload references something unknown: {0}")]
    Unsupported(String),
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Decodes stored webhook payloads.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait EventDecoder: Send + Sync + 'static {
    /// # Errors
    /// [`DecodeError::Malformed`] when the bytes are not a Stripe event of the expected shape.
    fn decode(&self, payload: &[u8]) -> Result<DecodedEvent, DecodeError>;
}
