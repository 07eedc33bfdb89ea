//! Disputes (chargebacks), as `charge.dispute.*` events carry them.

use serde::Deserialize;

use super::{null_default, Expandable, Metadata, ObjectRef};

/// A dispute of one charge. Stripe's dispute names no customer; its charge does.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dispute {
    pub id: String,
    pub charge: Expandable<ObjectRef>,
    /// The disputed amount, in the dispute's currency.
    #[serde(default, deserialize_with = "null_default")]
    pub amount: i64,
    pub currency: String,
    /// `fraudulent`, `product_not_received`, `general`, ...: kept as Stripe spells it.
    #[serde(default, deserialize_with = "null_default")]
    pub reason: String,
    /// `warning_needs_response`, `needs_response`, `under_review`, `won`, `lost`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub status: String,
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: Metadata,
}
