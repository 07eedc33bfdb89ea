//! Charges and refunds for operator refunds (recovery procedure 3): the refund's wire shape, and
//! both objects turned into billing-core's types.

use billing_core::{ChargeSnapshot, Refund, RefundStatus, StripeChargeId, StripeCustomerId, StripeRefundId};
use serde::Deserialize;

use crate::convert::{money, parse_id, ConvertError};
use crate::wire::{self, null_default, Expandable, Metadata, ObjectRef};

/// A refund, as `POST /v1/refunds` returns it. Lenient like the other wire types.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WireRefund {
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub amount: i64,
    pub currency: String,
    pub charge: Option<Expandable<ObjectRef>>,
    pub status: Option<String>,
    pub reason: Option<String>,
    pub failure_reason: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: Metadata,
}

/// The charge as the domain reads it: whose it is and how much is left to refund.
///
/// # Errors
/// [`ConvertError`] for an invalid id or currency.
pub(crate) fn charge_snapshot(charge: &wire::Charge) -> Result<ChargeSnapshot, ConvertError> {
    let customer = charge.customer.as_ref().map(|c| parse_id::<StripeCustomerId>("customer", c.id())).transpose()?;
    Ok(ChargeSnapshot {
        id: parse_id::<StripeChargeId>("id", &charge.id)?,
        customer,
        amount: money(charge.amount, &charge.currency)?,
        amount_refunded: money(charge.amount_refunded, &charge.currency)?,
    })
}

/// The refund as the domain reads it. A refund without a status is still pending: Stripe sets
/// one as soon as it knows more.
///
/// # Errors
/// [`ConvertError`] for an invalid id or currency, or a refund that names no charge.
pub(crate) fn refund(refund: &WireRefund) -> Result<Refund, ConvertError> {
    let charge = refund.charge.as_ref().ok_or(ConvertError::Missing("charge"))?;
    Ok(Refund {
        id: parse_id::<StripeRefundId>("id", &refund.id)?,
        charge: parse_id::<StripeChargeId>("charge", charge.id())?,
        amount: money(refund.amount, &refund.currency)?,
        status: refund.status.as_deref().map_or(RefundStatus::Pending, RefundStatus::parse),
    })
}
