//! Charging an open invoice with the customer's test card, and the dunning that follows a
//! failure: retries on the configured schedule, then cancellation or `unpaid`.

use serde_json::json;

use super::collect::{collect, Collected};
use super::{emit_invoice, emit_subscription};
use crate::config::AfterRetries;
use crate::error::ApiError;
use crate::state::{Cause, Invoice, InvoiceStatus, State, SubStatus};

/// A retry that has fallen due; none for the invoice of a canceled subscription.
pub fn retry(state: &mut State, id: &str, at: i64) -> Result<(), ApiError> {
    let mut invoice = state.invoices.get(id).cloned().ok_or_else(|| ApiError::internal("a due invoice vanished"))?;
    invoice.next_payment_attempt = None;
    if state.subscriptions.get(&invoice.subscription).is_none_or(|sub| sub.status == SubStatus::Canceled) {
        state.invoices.insert(invoice.id.clone(), invoice);
        return Ok(());
    }
    attempt(state, &Cause::default(), invoice, at).map(|_| ())
}

/// One payment attempt on an open invoice, by the customer's saved card, with its events.
pub fn attempt(state: &mut State, cause: &Cause, mut invoice: Invoice, at: i64) -> Result<Collected, ApiError> {
    let collected = collect(state, &mut invoice, at);
    match collected {
        Collected::Paid => paid(state, cause, &invoice, at)?,
        Collected::NeedsAction => failed(state, cause, invoice, at, true)?,
        Collected::Failed(_) => failed(state, cause, invoice, at, false)?,
    }
    Ok(collected)
}

/// `POST /v1/invoices/{id}/pay`: one attempt on an open invoice now. A failure is the card's
/// error after `invoice.payment_failed`; the automatic retries keep their schedule.
pub fn pay(state: &mut State, cause: &Cause, id: &str, at: i64) -> Result<Invoice, ApiError> {
    let mut invoice = state.invoices.get(id).cloned().ok_or_else(|| ApiError::missing("invoice", "id", id))?;
    if invoice.status != InvoiceStatus::Open {
        return Err(ApiError::state(format!("Invoice {id} is not open, so it cannot be paid.")).with_code("invoice_not_open"));
    }
    let collected = collect(state, &mut invoice, at);
    if collected == Collected::Paid {
        paid(state, cause, &invoice, at)?;
        return Ok(invoice);
    }
    emit_failure(state, cause, &invoice, at, collected)?;
    Err(collected.error().unwrap_or_else(|| ApiError::internal("a failed payment without an error")))
}

/// The events of an attempt that Stripe does not follow with dunning: made by request, or on a
/// change's invoice.
pub fn emit_failure(state: &mut State, cause: &Cause, invoice: &Invoice, at: i64, collected: Collected) -> Result<(), ApiError> {
    emit_invoice(state, cause, at, "invoice.payment_failed", invoice)?;
    if collected == Collected::NeedsAction {
        emit_invoice(state, cause, at, "invoice.payment_action_required", invoice)?;
    }
    Ok(())
}

/// The events of a paid invoice; a change waiting for this invoice applies, and a subscription
/// that was behind is active again once it owes nothing newer: the paid invoice is its latest,
/// or no other stays open.
pub fn paid(state: &mut State, cause: &Cause, invoice: &Invoice, at: i64) -> Result<(), ApiError> {
    emit_invoice(state, cause, at, "invoice.paid", invoice)?;
    emit_invoice(state, cause, at, "invoice.payment_succeeded", invoice)?;
    super::price_change::apply_pending(state, cause, &invoice.subscription, &invoice.id, at)?;
    let latest = state.subscriptions.get(&invoice.subscription).is_some_and(|sub| sub.latest_invoice.as_ref() == Some(&invoice.id));
    let others_open =
        state.invoices.values().any(|other| other.subscription == invoice.subscription && other.status == InvoiceStatus::Open);
    if !latest && others_open {
        return Ok(());
    }
    set_status(state, cause, &invoice.subscription, SubStatus::Active, at)
}

/// A failed attempt: the next retry is scheduled while the schedule lasts (never without a card),
/// the subscription is past due, and after the last retry the configured policy applies.
pub fn failed(state: &mut State, cause: &Cause, mut invoice: Invoice, at: i64, needs_authentication: bool) -> Result<(), ApiError> {
    let has_card = state.customers.get(&invoice.customer).is_some_and(|customer| customer.card.is_some());
    let index = usize::try_from(invoice.attempt_count).unwrap_or(usize::MAX).saturating_sub(1);
    let wait = state.dunning.retry_after_secs.get(index).copied().filter(|_| has_card);
    invoice.next_payment_attempt = wait.map(|secs| at + secs);
    emit_invoice(state, cause, at, "invoice.payment_failed", &invoice)?;
    if needs_authentication {
        emit_invoice(state, cause, at, "invoice.payment_action_required", &invoice)?;
    }
    if wait.is_some() {
        return set_status(state, cause, &invoice.subscription, SubStatus::PastDue, at);
    }
    match state.dunning.after_retries {
        AfterRetries::Cancel => cancel_for_nonpayment(state, cause, &invoice.subscription, at),
        AfterRetries::MarkUnpaid => set_status(state, cause, &invoice.subscription, SubStatus::Unpaid, at),
    }
}

/// Moves a live subscription to `status` with `customer.subscription.updated`; no event when it
/// is already there. Only past-due and unpaid subscriptions become active by a payment.
fn set_status(state: &mut State, cause: &Cause, id: &str, status: SubStatus, at: i64) -> Result<(), ApiError> {
    let Some(mut sub) = state.subscriptions.get(id).cloned() else {
        return Err(ApiError::internal("an invoice's subscription vanished"));
    };
    if sub.status == status || sub.status == SubStatus::Canceled {
        return Ok(());
    }
    if status == SubStatus::Active && !matches!(sub.status, SubStatus::PastDue | SubStatus::Unpaid) {
        return Ok(());
    }
    let previous = json!({"status": crate::render::subscription(state, &sub)?["status"]});
    sub.status = status;
    emit_subscription(state, cause, at, "customer.subscription.updated", &sub, Some(previous))
}

/// The end of dunning by cancellation; nothing for a subscription that has already ended.
fn cancel_for_nonpayment(state: &mut State, cause: &Cause, id: &str, at: i64) -> Result<(), ApiError> {
    let Some(mut sub) = state.subscriptions.get(id).cloned() else {
        return Err(ApiError::internal("an invoice's subscription vanished"));
    };
    if sub.status == SubStatus::Canceled {
        return Ok(());
    }
    sub.canceled_at = Some(at);
    super::end_subscription(state, cause, sub, at).map(|_| ())
}
