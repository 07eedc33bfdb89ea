//! One payment attempt on an invoice by a test card: the invoice's PaymentIntent (made on the
//! first attempt), a charge for every attempt that reaches the card, and what came of it. No
//! events here; the callers emit the invoice's and the subscription's.

use crate::ids::new_id;
use crate::payments::{CardError, Charge, IntentStatus, PaymentIntent};
use crate::state::{CardOutcome, Invoice, InvoiceStatus, State};

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collected {
    Paid,
    /// Declined, or no card to charge (`None`).
    Failed(Option<CardError>),
    /// The card needs the customer to authenticate the payment.
    NeedsAction,
}

impl Collected {
    /// The card error a failed attempt answers with, as `POST /v1/invoices/{id}/pay` does.
    pub fn error(self) -> Option<crate::error::ApiError> {
        match self {
            Self::Paid => None,
            Self::Failed(Some(error)) => {
                Some(crate::error::ApiError::card_declined(error.decline_code.unwrap_or(error.code), error.message))
            }
            Self::Failed(None) => Some(crate::error::ApiError::state("The customer has no payment method to charge.")),
            Self::NeedsAction => Some(crate::error::ApiError::requires_action()),
        }
    }
}

/// What charging `card` does.
fn outcome(card: Option<CardOutcome>) -> Collected {
    match card {
        Some(CardOutcome::Succeeds) => Collected::Paid,
        Some(CardOutcome::RequiresAuthentication) => Collected::NeedsAction,
        Some(CardOutcome::AttachesThenFails) => Collected::Failed(Some(CardError::declined("generic_decline", "Your card was declined."))),
        Some(CardOutcome::Declines) => {
            Collected::Failed(Some(CardError::declined("insufficient_funds", "Your card has insufficient funds.")))
        }
        None => Collected::Failed(None),
    }
}

/// What an attempt with the customer's saved card would come to, without making it.
pub fn foresee(state: &State, invoice: &Invoice) -> Collected {
    if invoice.amount_due() == 0 {
        return Collected::Paid;
    }
    outcome(state.customers.get(&invoice.customer).and_then(|customer| customer.card))
}

/// One attempt with the customer's saved card.
pub fn collect(state: &mut State, invoice: &mut Invoice, at: i64) -> Collected {
    let card = state.customers.get(&invoice.customer).and_then(|customer| customer.card);
    collect_by(state, invoice, at, card)
}

/// One attempt with `card`. An invoice that asks for nothing is paid without a PaymentIntent.
pub fn collect_by(state: &mut State, invoice: &mut Invoice, at: i64, card: Option<CardOutcome>) -> Collected {
    invoice.attempt_count += 1;
    if invoice.amount_due() == 0 {
        mark_paid(invoice, at);
        return Collected::Paid;
    }
    let result = outcome(card);
    let mut intent = intent_of(state, invoice, at);
    intent.amount = invoice.amount_due();
    let charge = match result {
        Collected::Paid => Some(new_charge(&intent, at, None)),
        Collected::Failed(Some(error)) => Some(new_charge(&intent, at, Some(error))),
        Collected::Failed(None) | Collected::NeedsAction => None,
    };
    intent.status = match result {
        Collected::Paid => IntentStatus::Succeeded,
        Collected::Failed(_) => IntentStatus::RequiresPaymentMethod,
        Collected::NeedsAction => IntentStatus::RequiresAction,
    };
    intent.last_error = match result {
        Collected::Failed(error) => error,
        Collected::Paid | Collected::NeedsAction => None,
    };
    if let Some(charge) = charge {
        intent.latest_charge = Some(charge.id.clone());
        state.charges.insert(charge.id.clone(), charge);
    }
    state.payment_intents.insert(intent.id.clone(), intent);
    if result == Collected::Paid {
        mark_paid(invoice, at);
    }
    result
}

fn mark_paid(invoice: &mut Invoice, at: i64) {
    invoice.status = InvoiceStatus::Paid;
    invoice.paid_at = Some(at);
    invoice.next_payment_attempt = None;
}

/// The invoice's PaymentIntent, made on its first attempt.
fn intent_of(state: &State, invoice: &mut Invoice, at: i64) -> PaymentIntent {
    if let Some(existing) = invoice.payment_intent.as_ref().and_then(|id| state.payment_intents.get(id)) {
        return existing.clone();
    }
    let intent = PaymentIntent {
        id: new_id("pi"),
        created: at,
        customer: invoice.customer.clone(),
        amount: invoice.amount_due(),
        currency: invoice.currency.clone(),
        status: IntentStatus::RequiresPaymentMethod,
        last_error: None,
        latest_charge: None,
    };
    invoice.payment_intent = Some(intent.id.clone());
    intent
}

fn new_charge(intent: &PaymentIntent, at: i64, failure: Option<CardError>) -> Charge {
    Charge {
        id: new_id("ch"),
        created: at,
        customer: intent.customer.clone(),
        payment_intent: intent.id.clone(),
        amount: intent.amount,
        amount_refunded: 0,
        currency: intent.currency.clone(),
        failure,
    }
}
