//! Listed invoices as billing-core reads them: id, number, date, status, amounts and links.

use billing_core::{InvoiceStatus, InvoiceSummary, StripeInvoiceId};

use crate::convert::{money, parse_id, timestamp, ConvertError};
use crate::wire;

fn status(raw: Option<&wire::InvoiceStatus>) -> Result<InvoiceStatus, ConvertError> {
    use wire::InvoiceStatus as W;
    Ok(match raw.ok_or(ConvertError::Missing("status"))? {
        W::Draft => InvoiceStatus::Draft,
        W::Open => InvoiceStatus::Open,
        W::Paid => InvoiceStatus::Paid,
        W::Uncollectible => InvoiceStatus::Uncollectible,
        W::Void => InvoiceStatus::Void,
        W::Other(other) => return Err(ConvertError::UnknownInvoiceStatus(other.clone())),
    })
}

impl TryFrom<&wire::Invoice> for InvoiceSummary {
    type Error = ConvertError;

    fn try_from(invoice: &wire::Invoice) -> Result<Self, Self::Error> {
        let id = invoice.id.as_deref().ok_or(ConvertError::Missing("id"))?;
        let created = invoice.created.ok_or(ConvertError::Missing("created"))?;
        Ok(InvoiceSummary {
            id: parse_id::<StripeInvoiceId>("id", id)?,
            number: invoice.number.clone(),
            created: timestamp("created", created)?,
            status: status(invoice.status.as_ref())?,
            amount_due: money(invoice.amount_due, &invoice.currency)?,
            amount_paid: money(invoice.amount_paid, &invoice.currency)?,
            hosted_invoice_url: invoice.hosted_invoice_url.clone(),
            invoice_pdf: invoice.invoice_pdf.clone(),
        })
    }
}
