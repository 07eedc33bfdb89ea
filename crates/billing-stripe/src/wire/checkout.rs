//! Customers, Checkout sessions and billing-portal sessions.

use serde::Deserialize;

use super::{lenient_enum, null_default, Expandable, Metadata, ObjectRef};

lenient_enum!(
    /// `checkout.session.status`.
    CheckoutStatus {
        Open => "open",
        Complete => "complete",
        Expired => "expired",
    }
);

lenient_enum!(
    /// `checkout.session.payment_status`.
    PaymentStatus {
        Paid => "paid",
        Unpaid => "unpaid",
        NoPaymentRequired => "no_payment_required",
    }
);

lenient_enum!(
    /// `checkout.session.mode`.
    CheckoutMode {
        Payment => "payment",
        Setup => "setup",
        Subscription => "subscription",
    }
);

/// A customer; a deleted one comes back as `{id, object, deleted: true}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Customer {
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub deleted: bool,
    pub email: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: Metadata,
}

/// A Checkout session.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    /// The redirect target; `null` once the session is no longer open.
    pub url: Option<String>,
    pub expires_at: Option<i64>,
    pub mode: Option<CheckoutMode>,
    pub status: Option<CheckoutStatus>,
    pub payment_status: Option<PaymentStatus>,
    pub customer: Option<Expandable<ObjectRef>>,
    pub subscription: Option<Expandable<ObjectRef>>,
    pub client_reference_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: Metadata,
}

impl CheckoutSession {
    /// `status=complete`.
    pub fn is_complete(&self) -> bool {
        self.status == Some(CheckoutStatus::Complete)
    }

    /// `payment_status` is `paid` or `no_payment_required`.
    pub fn is_paid(&self) -> bool {
        matches!(self.payment_status, Some(PaymentStatus::Paid | PaymentStatus::NoPaymentRequired))
    }
}

/// A billing-portal session.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PortalSession {
    pub id: Option<String>,
    pub url: Option<String>,
}
