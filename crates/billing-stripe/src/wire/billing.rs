//! Invoices, their payments and charges.

use serde::Deserialize;

use super::{lenient_enum, null_default, ApiErrorDetails, Expandable, HasId, List, Metadata, ObjectRef};

lenient_enum!(
    /// `invoice.status`.
    InvoiceStatus {
        Draft => "draft",
        Open => "open",
        Paid => "paid",
        Uncollectible => "uncollectible",
        Void => "void",
    }
);

lenient_enum!(
    /// `invoice_payment.status`.
    InvoicePaymentStatus {
        Open => "open",
        Paid => "paid",
        Canceled => "canceled",
    }
);

lenient_enum!(
    /// `payment_intent.status`.
    PaymentIntentStatus {
        RequiresPaymentMethod => "requires_payment_method",
        RequiresConfirmation => "requires_confirmation",
        RequiresAction => "requires_action",
        Processing => "processing",
        RequiresCapture => "requires_capture",
        Canceled => "canceled",
        Succeeded => "succeeded",
    }
);

/// An invoice, including a preview from `POST /v1/invoices/create_preview`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Invoice {
    /// Absent or `upcoming_in_…` on previews.
    pub id: Option<String>,
    /// The number printed on the invoice; `null` while a draft.
    pub number: Option<String>,
    pub created: Option<i64>,
    pub customer: Option<Expandable<ObjectRef>>,
    pub currency: String,
    #[serde(default, deserialize_with = "null_default")]
    pub amount_due: i64,
    #[serde(default, deserialize_with = "null_default")]
    pub amount_paid: i64,
    #[serde(default, deserialize_with = "null_default")]
    pub total: i64,
    pub next_payment_attempt: Option<i64>,
    /// The end of the period the invoice bills; for a renewal, when the subscription renews.
    pub period_end: Option<i64>,
    pub status: Option<InvoiceStatus>,
    /// Stripe's page where the customer sees and pays the invoice; `null` while a draft.
    pub hosted_invoice_url: Option<String>,
    /// The invoice as a PDF; `null` while a draft.
    pub invoice_pdf: Option<String>,
    /// Basil and later: the invoice's payments, only present when expanded (`payments`, or
    /// `latest_invoice.payments` from a subscription).
    #[serde(default, deserialize_with = "null_default")]
    pub payments: List<InvoicePayment>,
    /// Basil and later: where the invoice comes from.
    pub parent: Option<InvoiceParent>,
    /// Legacy shape (before basil): the subscription id on the invoice itself.
    pub subscription: Option<Expandable<ObjectRef>>,
    /// Legacy shape (acacia): the subscription's metadata on the invoice itself.
    pub subscription_details: Option<SubscriptionDetails>,
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: Metadata,
    #[serde(default, deserialize_with = "null_default")]
    pub lines: List<InvoiceLine>,
}

impl Invoice {
    /// The subscription the invoice bills: `parent.subscription_details.subscription`, else the
    /// legacy top-level `subscription`.
    pub fn subscription_id(&self) -> Option<&str> {
        let from_parent = self.parent.as_ref().and_then(|p| p.subscription_details.as_ref()).and_then(|d| d.subscription.as_ref());
        from_parent.or(self.subscription.as_ref()).map(Expandable::id)
    }

    /// The PaymentIntent collecting the invoice: the default payment's, else the first listed
    /// one's. `None` unless `payments` was expanded.
    pub fn payment_intent(&self) -> Option<&Expandable<PaymentIntent>> {
        let payments = &self.payments.data;
        let default = payments.iter().filter(|payment| payment.is_default).find_map(InvoicePayment::payment_intent);
        default.or_else(|| payments.iter().find_map(InvoicePayment::payment_intent))
    }
}

/// One payment of an invoice (`invoice_payment`, basil and later).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InvoicePayment {
    pub id: Option<String>,
    /// True for the payment Stripe created when it finalized the invoice.
    #[serde(default, deserialize_with = "null_default")]
    pub is_default: bool,
    pub status: Option<InvoicePaymentStatus>,
    pub payment: Option<PaymentTarget>,
}

impl InvoicePayment {
    /// The PaymentIntent behind this payment, when a PaymentIntent is what pays.
    pub fn payment_intent(&self) -> Option<&Expandable<PaymentIntent>> {
        self.payment.as_ref().and_then(|target| target.payment_intent.as_ref())
    }
}

/// `invoice_payment.payment`: what pays the invoice.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PaymentTarget {
    pub payment_intent: Option<Expandable<PaymentIntent>>,
}

/// A PaymentIntent, for its state and why its last attempt failed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub status: Option<PaymentIntentStatus>,
    /// The error of the last failed attempt, shaped like an API error.
    pub last_payment_error: Option<ApiErrorDetails>,
}

impl HasId for PaymentIntent {
    fn id(&self) -> &str {
        &self.id
    }
}

/// `invoice.parent`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InvoiceParent {
    pub subscription_details: Option<SubscriptionDetails>,
}

/// `invoice.parent.subscription_details` (or the legacy `invoice.subscription_details`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubscriptionDetails {
    pub subscription: Option<Expandable<ObjectRef>>,
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: Metadata,
}

/// One invoice line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InvoiceLine {
    pub id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub amount: i64,
    pub currency: Option<String>,
    /// Basil and later: `parent.subscription_item_details.proration` and friends.
    pub parent: Option<LineParent>,
    /// Legacy shape: `proration` on the line itself.
    pub proration: Option<bool>,
}

impl InvoiceLine {
    /// True for a proration line, in either shape.
    pub fn is_proration(&self) -> bool {
        let from_parent = self.parent.as_ref().and_then(|p| p.subscription_item_details.as_ref()).map(|d| d.proration);
        from_parent.or(self.proration).unwrap_or(false)
    }
}

/// `line.parent`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LineParent {
    pub subscription_item_details: Option<SubscriptionItemDetails>,
}

/// `line.parent.subscription_item_details`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubscriptionItemDetails {
    #[serde(default, deserialize_with = "null_default")]
    pub proration: bool,
    pub subscription_item: Option<String>,
}

/// A charge, as `charge.refunded` carries it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Charge {
    pub id: String,
    pub customer: Option<Expandable<ObjectRef>>,
    pub currency: String,
    #[serde(default, deserialize_with = "null_default")]
    pub amount: i64,
    /// Cumulative over all refunds of the charge.
    #[serde(default, deserialize_with = "null_default")]
    pub amount_refunded: i64,
    /// True only once the charge is fully refunded.
    #[serde(default, deserialize_with = "null_default")]
    pub refunded: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: Metadata,
}
