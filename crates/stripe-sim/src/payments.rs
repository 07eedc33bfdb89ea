//! The money side of invoices: the PaymentIntent that collects an invoice, the charges its
//! attempts make, and refunds of those charges.

use crate::state::Metadata;

/// `payment_intent.status`, for the states an invoice's PaymentIntent reaches here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentStatus {
    RequiresPaymentMethod,
    RequiresAction,
    Succeeded,
    Canceled,
}

impl IntentStatus {
    /// Stripe's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequiresPaymentMethod => "requires_payment_method",
            Self::RequiresAction => "requires_action",
            Self::Succeeded => "succeeded",
            Self::Canceled => "canceled",
        }
    }
}

/// Why a card was refused, as Stripe's card errors say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardError {
    pub code: &'static str,
    pub decline_code: Option<&'static str>,
    pub message: &'static str,
}

impl CardError {
    /// A decline with Stripe's `card_declined` code.
    pub const fn declined(decline_code: &'static str, message: &'static str) -> Self {
        Self { code: "card_declined", decline_code: Some(decline_code), message }
    }
}

/// The PaymentIntent of one invoice.
#[derive(Debug, Clone)]
pub struct PaymentIntent {
    pub id: String,
    pub created: i64,
    pub customer: String,
    pub amount: i64,
    pub currency: String,
    pub status: IntentStatus,
    pub last_error: Option<CardError>,
    pub latest_charge: Option<String>,
}

/// One charge of a card: succeeded, or failed with the card's error.
#[derive(Debug, Clone)]
pub struct Charge {
    pub id: String,
    pub created: i64,
    pub customer: String,
    pub payment_intent: String,
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: String,
    pub failure: Option<CardError>,
}

impl Charge {
    /// What is left to refund.
    pub fn refundable(&self) -> i64 {
        if self.failure.is_some() {
            return 0;
        }
        self.amount - self.amount_refunded
    }
}

/// A refund of (part of) a charge; card refunds succeed at once here.
#[derive(Debug, Clone)]
pub struct Refund {
    pub id: String,
    pub created: i64,
    pub charge: String,
    pub payment_intent: String,
    pub customer: String,
    pub amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub metadata: Metadata,
}
