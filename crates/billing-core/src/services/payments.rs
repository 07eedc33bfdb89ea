//! Failed payments as the runbook asks for them (EC-2): each `invoice.payment_failed` event in
//! the ledger, with its organization, amount and invoice, and whether a payment succeeded since.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::BillingError;
use crate::ids::{OrgId, StripeEventId, StripeInvoiceId};
use crate::input::StripeFact;
use crate::money::Money;
use crate::ports::{BillingRepository, EventDecoder, LedgerFilter, LedgerPayload, WebhookLedger};

/// The Stripe event type of a failed payment.
pub const PAYMENT_FAILED: &str = "invoice.payment_failed";

/// One failed payment attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedPayment {
    pub event_id: StripeEventId,
    /// `None` while the ledger does not know the organization yet.
    pub org_id: Option<OrgId>,
    /// When the payment failed, in Stripe's clock (the event's `created`).
    pub failed_at: DateTime<Utc>,
    /// `None` when the stored payload cannot be read as a failed invoice payment.
    pub invoice_id: Option<StripeInvoiceId>,
    pub amount: Option<Money>,
    /// When the organization's last successful payment was made, if that was after this
    /// failure: the organization has recovered since.
    pub recovered_at: Option<DateTime<Utc>>,
}

/// The failed payments received since `since`, newest first, at most `limit`. "Recovered" is
/// judged by the organization's last successful payment, which the state keeps: a payment that
/// succeeded after the failure (a retry of that invoice, or any later one) means the customer
/// pays again.
///
/// # Errors
/// [`BillingError::Ledger`] or [`BillingError::Repository`] when storage fails.
pub async fn failed_payments<R, L, D>(
    repo: &R,
    ledger: &L,
    decoder: &D,
    since: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<FailedPayment>, BillingError>
where
    R: BillingRepository + ?Sized,
    L: WebhookLedger + ?Sized,
    D: EventDecoder + ?Sized,
{
    let filter = LedgerFilter { event_type: Some(PAYMENT_FAILED.to_owned()), since: Some(since), limit, ..LedgerFilter::default() };
    let mut last_success: HashMap<OrgId, Option<DateTime<Utc>>> = HashMap::new();
    let mut found = Vec::new();
    for row in ledger.list_payloads(&filter).await? {
        let mut failure = read_failure(decoder, row);
        if let Some(org) = failure.org_id.clone() {
            if !last_success.contains_key(&org) {
                let at = repo.load(&org).await?.and_then(|s| s.last_payment_success().map(|p| p.at));
                last_success.insert(org.clone(), at);
            }
            failure.recovered_at = last_success.get(&org).copied().flatten().filter(|at| *at > failure.failed_at);
        }
        found.push(failure);
    }
    Ok(found)
}

/// The failure a ledger row records; invoice and amount stay unknown when the payload does not
/// decode as a failed invoice payment (written in an API version the decoder cannot read).
fn read_failure<D: EventDecoder + ?Sized>(decoder: &D, row: LedgerPayload) -> FailedPayment {
    let fact = decoder.decode(&row.payload).ok().and_then(|d| d.event).map(|e| e.fact);
    let (invoice_id, amount) = if let Some(StripeFact::InvoicePaymentFailed(invoice)) = fact {
        (Some(invoice.invoice_id), Some(invoice.amount))
    } else {
        (None, None)
    };
    FailedPayment { event_id: row.entry.id, org_id: row.entry.org_id, failed_at: row.entry.created, invoice_id, amount, recovered_at: None }
}
