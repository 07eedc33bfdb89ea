//! Refunds an operator issues (recovery procedure 3): the charge as Stripe reports it, what is
//! asked of Stripe, and what Stripe answered.

use crate::ids::{StripeChargeId, StripeCustomerId, StripeRefundId};
use crate::money::Money;

/// A charge as Stripe reports it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeSnapshot {
    pub id: StripeChargeId,
    /// The Stripe customer the charge was made to; `None` for a charge without one, which
    /// therefore belongs to no organization.
    pub customer: Option<StripeCustomerId>,
    pub amount: Money,
    /// How much was refunded already, over every refund of the charge.
    pub amount_refunded: Money,
}

impl ChargeSnapshot {
    /// What can still be refunded: the amount less what was refunded already.
    pub fn refundable(&self) -> Money {
        // Stripe never refunds more than it charged; a stored value saying otherwise refunds nothing.
        let left = self.amount.minor_units().saturating_sub(self.amount_refunded.minor_units()).max(0);
        Money::new(left, self.amount.currency())
    }
}

/// Why a refund is made, as Stripe lets it be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundReason {
    Duplicate,
    Fraudulent,
    RequestedByCustomer,
}

impl RefundReason {
    pub const ALL: [RefundReason; 3] = [Self::Duplicate, Self::Fraudulent, Self::RequestedByCustomer];

    /// Stripe's name of the reason.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Fraudulent => "fraudulent",
            Self::RequestedByCustomer => "requested_by_customer",
        }
    }

    /// The reason Stripe names `raw`.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// A reason name that is not one of [`RefundReason::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown refund reason {0:?}; expected duplicate, fraudulent or requested_by_customer")]
pub struct UnknownRefundReason(pub String);

impl std::str::FromStr for RefundReason {
    type Err = UnknownRefundReason;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw).ok_or_else(|| UnknownRefundReason(raw.to_owned()))
    }
}

/// A refund an operator asks for, with the charge it refunds as Stripe reported it just before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOrder {
    pub charge: ChargeSnapshot,
    /// How much to refund; `None` refunds what is left of the charge.
    pub amount: Option<Money>,
    pub reason: Option<RefundReason>,
}

/// Where a refund is in Stripe's life of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundStatus {
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Canceled,
    /// A status this version does not know yet, as Stripe wrote it.
    Other(String),
}

impl RefundStatus {
    /// The status as Stripe writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::RequiresAction => "requires_action",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
            Self::Other(raw) => raw,
        }
    }

    /// The status Stripe wrote as `raw`; unknown names are kept as they are.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "pending" => Self::Pending,
            "requires_action" => Self::RequiresAction,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "canceled" => Self::Canceled,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A refund Stripe created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: StripeRefundId,
    pub charge: StripeChargeId,
    pub amount: Money,
    pub status: RefundStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn charge(amount: i64, refunded: i64) -> ChargeSnapshot {
        ChargeSnapshot {
            id: StripeChargeId::parse("ch_1").unwrap(),
            customer: None,
            amount: Money::new(amount, Currency::USD),
            amount_refunded: Money::new(refunded, Currency::USD),
        }
    }

    #[test]
    fn what_is_refundable_is_the_charge_less_earlier_refunds_and_never_negative() {
        assert_eq!(charge(2900, 0).refundable(), Money::new(2900, Currency::USD));
        assert_eq!(charge(2900, 900).refundable(), Money::new(2000, Currency::USD));
        assert_eq!(charge(2900, 2900).refundable(), Money::new(0, Currency::USD));
        assert_eq!(charge(2900, 3000).refundable(), Money::new(0, Currency::USD));
    }

    #[test]
    fn reasons_and_statuses_read_back_as_stripe_names_them() {
        for reason in RefundReason::ALL {
            assert_eq!(reason.as_str().parse::<RefundReason>(), Ok(reason));
        }
        assert!("mistake".parse::<RefundReason>().is_err_and(|e| e.to_string().contains("requested_by_customer")));
        for raw in ["pending", "requires_action", "succeeded", "failed", "canceled", "in_transit"] {
            assert_eq!(RefundStatus::parse(raw).as_str(), raw);
        }
        assert_eq!(RefundStatus::parse("in_transit"), RefundStatus::Other("in_transit".to_owned()));
    }
}
