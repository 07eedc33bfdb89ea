//! Invoices as the billing page lists them: what Stripe billed, when, and where to see it.

use chrono::{DateTime, Utc};

use crate::ids::StripeInvoiceId;
use crate::money::Money;

/// Where an invoice is in Stripe's life of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvoiceStatus {
    /// Still being prepared; not yet sent or charged.
    Draft,
    /// Finalized and waiting for payment.
    Open,
    Paid,
    /// Stripe gave up collecting it.
    Uncollectible,
    /// Cancelled; nothing is owed.
    Void,
}

impl InvoiceStatus {
    /// Stripe's name of the status.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Paid => "paid",
            Self::Uncollectible => "uncollectible",
            Self::Void => "void",
        }
    }
}

/// One invoice of a customer, newest first in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSummary {
    pub id: StripeInvoiceId,
    /// The number printed on the invoice; `None` while it is a draft.
    pub number: Option<String>,
    pub created: DateTime<Utc>,
    pub status: InvoiceStatus,
    /// What the invoice asks for.
    pub amount_due: Money,
    /// What was paid of it so far.
    pub amount_paid: Money,
    /// Stripe's page where the customer sees and pays it; `None` while a draft.
    pub hosted_invoice_url: Option<String>,
    /// The invoice as a PDF; `None` while a draft.
    pub invoice_pdf: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::InvoiceStatus;

    /// The billing API reports these names and the billing page draws a badge for each, so they
    /// are a contract, and they are Stripe's own.
    #[test]
    fn each_status_goes_by_stripes_name() {
        let names = [InvoiceStatus::Draft, InvoiceStatus::Open, InvoiceStatus::Paid, InvoiceStatus::Uncollectible, InvoiceStatus::Void]
            .map(|status| status.as_str());

        assert_eq!(names, ["draft", "open", "paid", "uncollectible", "void"]);
    }
}
