//! Serde types for Stripe's JSON, lenient on purpose.
//!
//! Stripe adds fields and enum values in monthly releases, and webhook payloads render in the
//! endpoint's API version, not ours. So: unknown fields are ignored, nearly everything is
//! optional, `null` reads as the default, and enums keep unknown values as `Other(String)`.
//! Both subscription shapes are understood: the period on `items.data[].current_period_*`
//! (basil and later) and the legacy top-level `current_period_*` / `plan`.

mod billing;
mod checkout;
mod dispute;
mod event;
mod subscription;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

pub use billing::{
    Charge, Invoice, InvoiceLine, InvoiceParent, InvoicePayment, InvoicePaymentStatus, InvoiceStatus, LineParent, PaymentIntent,
    PaymentIntentStatus, PaymentTarget, SubscriptionDetails, SubscriptionItemDetails,
};
pub use checkout::{CheckoutMode, CheckoutSession, CheckoutStatus, Customer, PaymentStatus, PortalSession};
pub use dispute::Dispute;
pub use event::{ApiErrorBody, ApiErrorDetails, ErrorType, Event, EventData, EventList, EventRequest};
pub use subscription::{
    PendingUpdate, Phase, PhaseItem, PhaseSpan, ScheduleStatus, Subscription, SubscriptionItem, SubscriptionSchedule, SubscriptionStatus,
};

/// Stripe metadata: string keys, (in practice) string values.
pub type Metadata = BTreeMap<String, serde_json::Value>;

/// A metadata value as text, when it is text.
pub fn metadata_text<'a>(metadata: &'a Metadata, key: &str) -> Option<&'a str> {
    metadata.get(key).and_then(serde_json::Value::as_str)
}

/// Just an object's `id`: enough for references we never expand.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ObjectRef {
    pub id: String,
}

/// Objects that have an `id`, so an [`Expandable`] can name them either way.
pub trait HasId {
    fn id(&self) -> &str;
}

impl HasId for ObjectRef {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A reference that is an id string unless the request asked to expand it (`expand[]=…`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Expandable<T> {
    Id(String),
    Object(Box<T>),
}

impl<T> Expandable<T> {
    /// The object when the request expanded it, `None` for a bare id.
    pub fn object(&self) -> Option<&T> {
        match self {
            Self::Id(_) => None,
            Self::Object(object) => Some(object),
        }
    }
}

impl<T: HasId> Expandable<T> {
    /// The referenced object's id, whichever form came.
    pub fn id(&self) -> &str {
        match self {
            Self::Id(id) => id,
            Self::Object(object) => object.id(),
        }
    }
}

/// A page of a Stripe list (`{"object": "list", "data": [...], "has_more": …}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct List<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_default")]
    pub data: Vec<T>,
    #[serde(default, deserialize_with = "null_default")]
    pub has_more: bool,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self { data: Vec::new(), has_more: false }
    }
}

/// Reads `null` as the type's default, for fields Stripe may send as `null` or omit.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// A string enum that keeps values it does not know as `Other(String)`.
macro_rules! lenient_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this crate does not know (yet).
            Other(String),
        }

        impl $name {
            /// Stripe's spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(raw) => raw,
                }
            }

            /// Reads Stripe's spelling; unknown values are kept.
            pub fn from_text(raw: &str) -> Self {
                match raw {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <String as serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from_text(&raw))
            }
        }
    };
}
pub(crate) use lenient_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_as_ids_or_expanded_objects() {
        let id: Expandable<ObjectRef> = serde_json::from_str(r#""cus_1""#).unwrap();
        let object: Expandable<ObjectRef> = serde_json::from_str(r#"{"id": "cus_2", "object": "customer"}"#).unwrap();

        assert_eq!(id.id(), "cus_1");
        assert_eq!(object.id(), "cus_2");
    }

    #[test]
    fn unknown_enum_values_are_kept() {
        let status: CheckoutStatus = serde_json::from_str(r#""half_open""#).unwrap();

        assert_eq!(status, CheckoutStatus::Other("half_open".into()));
        assert_eq!(status.as_str(), "half_open");
    }

    #[test]
    fn null_lists_read_as_empty() {
        let list: List<ObjectRef> = serde_json::from_str(r#"{"data": null}"#).unwrap();

        assert!(list.data.is_empty());
        assert!(!list.has_more);
    }
}
