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

/// The listed invoices as billing-core reads them. Stripe adds invoice statuses over time; an
/// invoice in one this crate does not know yet is left out and logged, so one new status cannot
/// hide every other invoice. Any other unreadable invoice fails the listing.
pub(crate) fn summaries(invoices: &[wire::Invoice]) -> Result<Vec<InvoiceSummary>, ConvertError> {
    let mut listed = Vec::with_capacity(invoices.len());
    for invoice in invoices {
        match InvoiceSummary::try_from(invoice) {
            Ok(summary) => listed.push(summary),
            Err(unknown @ ConvertError::UnknownInvoiceStatus(_)) => {
                let id = invoice.id.as_deref().unwrap_or("(no id)");
                let error = anyhow::Error::new(unknown).context(format!("invoice {id} is left out of the listing"));
                tracing::warn!(error = format!("{error:#}"), "an invoice in an unknown status is not listed");
            }
            Err(other) => return Err(other),
        }
    }
    Ok(listed)
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
