//! Completing a Checkout session with a test card: the subscription, its first invoice paid,
//! and Stripe's events. The test helper `POST /v1/test_helpers/checkout/sessions/{id}/complete`
//! and the hosted Checkout page both complete sessions through [`complete`].

use serde_json::json;

use super::{emit_invoice, emit_subscription, period_invoice, trial, PERIOD_SECS};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::render;
use crate::state::{CardOutcome, Cause, CheckoutSession, Invoice, InvoiceStatus, SessionStatus, State, SubStatus, Subscription};

/// The test card numbers a session can be completed with, and what each does there.
pub const TEST_CARDS: [(&str, &str); 4] = [
    ("4242 4242 4242 4242", "succeeds"),
    ("4000 0027 6000 3184", "succeeds (authenticated on this page); later charges need authentication"),
    ("4000 0000 0000 9995", "declined: insufficient funds"),
    ("4000 0000 0000 0341", "declined"),
];

/// The card a session is completed with; cards that cannot pay are refused on the form, as
/// Checkout shows a decline to the customer and keeps the session open.
pub fn card(raw: Option<&str>) -> Result<CardOutcome, ApiError> {
    let raw = raw.unwrap_or("4242424242424242");
    match CardOutcome::from_number(raw) {
        Some(CardOutcome::Declines) => Err(ApiError::card_declined("insufficient_funds", "Your card has insufficient funds.")),
        Some(CardOutcome::AttachesThenFails) => Err(ApiError::card_declined("generic_decline", "Your card was declined.")),
        Some(outcome @ (CardOutcome::Succeeds | CardOutcome::RequiresAuthentication)) => Ok(outcome),
        None => Err(ApiError::invalid_param(
            "card",
            "The simulator knows the test cards 4242424242424242, 4000000000000341, 4000000000009995 and 4000002760003184.",
        )),
    }
}

/// Where the customer goes once the session is complete: the success URL with
/// `{CHECKOUT_SESSION_ID}` substituted.
pub fn redirect_url(session: &CheckoutSession) -> String {
    session.success_url.replace("{CHECKOUT_SESSION_ID}", &session.id)
}

/// The first invoice of a new subscription, paid at checkout with the card given there (whose
/// authentication, if any, Checkout's page has done).
fn first_invoice(state: &mut State, sub: &Subscription, currency: &str, amount: i64, now: i64) -> Invoice {
    let mut invoice = period_invoice(sub, currency, amount, now, "subscription_create");
    invoice.status = InvoiceStatus::Open;
    super::collect::collect_by(state, &mut invoice, now, Some(CardOutcome::Succeeds));
    invoice
}

/// The events of a first payment, in Stripe's order: the subscription created incomplete, its
/// invoice created, finalized and paid, then the subscription active. A trialing subscription
/// is created `trialing` and stays so, its invoice of nothing paid.
fn emit_first_payment(state: &mut State, sub: &mut Subscription, invoice: &Invoice, now: i64) -> Result<(), ApiError> {
    let stripe = Cause::default();
    emit_subscription(state, &stripe, now, "customer.subscription.created", sub, None)?;
    let mut draft = invoice.clone();
    draft.status = InvoiceStatus::Draft;
    draft.paid_at = None;
    draft.attempt_count = 0;
    emit_invoice(state, &stripe, now, "invoice.created", &draft)?;
    for event_type in ["invoice.finalized", "invoice.paid", "invoice.payment_succeeded"] {
        emit_invoice(state, &stripe, now, event_type, invoice)?;
    }
    if sub.status == SubStatus::Trialing {
        return Ok(());
    }
    sub.status = SubStatus::Active;
    emit_subscription(state, &stripe, now, "customer.subscription.updated", sub, Some(json!({"status": "incomplete"})))
}

/// A new subscription of `session`'s customer to its price, incomplete until paid.
fn new_subscription(session: &CheckoutSession, now: i64) -> Subscription {
    Subscription {
        id: new_id("sub"),
        created: now,
        customer: session.customer.clone(),
        item_id: new_id("si"),
        price: session.price.clone(),
        status: SubStatus::Incomplete,
        period_start: now,
        period_end: now + PERIOD_SECS,
        cancel_at_period_end: false,
        canceled_at: None,
        ended_at: None,
        latest_invoice: None,
        metadata: session.subscription_metadata.clone(),
        schedule: None,
        pending_update: None,
        pending_lines: Vec::new(),
        trial_start: None,
        trial_end: None,
        trial_will_end_sent: false,
    }
}

/// Completes an open session with a card [`card`] accepted: the subscription (incomplete), its
/// first invoice paid, the subscription active, the session complete, each step with Stripe's
/// event; with a trial the subscription starts `trialing` and its first invoice is of nothing.
/// Returns the completed session.
pub fn complete(state: &mut State, now: i64, id: &str, outcome: CardOutcome) -> Result<CheckoutSession, ApiError> {
    let session = state.sessions.get(id).cloned().ok_or_else(|| ApiError::missing("checkout.session", "id", id))?;
    if session.status != SessionStatus::Open || session.expires_at <= now {
        return Err(ApiError::state(format!("The checkout session {id} is not open.")));
    }
    // Refused rather than started without the trial, so a customer promised one is never charged.
    if session.trial_end.is_some_and(|end| end <= now) {
        return Err(ApiError::invalid_param("subscription_data[trial_end]", "The session's trial_end has passed; it cannot start."));
    }
    let price = state.price(&session.price).cloned().ok_or_else(|| ApiError::internal("the session's price vanished"))?;
    if let Some(customer) = state.customers.get_mut(&session.customer) {
        customer.card = Some(outcome);
    }
    let mut sub = new_subscription(&session, now);
    let amount = match trial::end_for(&session, now) {
        Some(end) => {
            trial::start(&mut sub, now, end);
            0
        }
        None => price.unit_amount,
    };
    let invoice = first_invoice(state, &sub, &price.currency, amount, now);
    sub.latest_invoice = Some(invoice.id.clone());
    state.invoices.insert(invoice.id.clone(), invoice.clone());
    emit_first_payment(state, &mut sub, &invoice, now)?;
    let mut done = session;
    done.status = SessionStatus::Complete;
    done.subscription = Some(sub.id.clone());
    done.invoice = Some(invoice.id.clone());
    state.sessions.insert(done.id.clone(), done.clone());
    let object = render::checkout_session(state, &done)?;
    state.emit(&Cause::default(), now, "checkout.session.completed", object, None);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Customer, Metadata};

    fn session(now: i64, trial_end: i64) -> CheckoutSession {
        CheckoutSession {
            id: "cs_test_1".into(),
            created: now - 3600,
            customer: "cus_1".into(),
            price: "price_team_monthly".into(),
            client_reference_id: None,
            metadata: Metadata::new(),
            subscription_metadata: Metadata::new(),
            success_url: "https://app.example/".into(),
            cancel_url: None,
            expires_at: now + 3600,
            status: SessionStatus::Open,
            subscription: None,
            invoice: None,
            trial_period_days: None,
            trial_end: Some(trial_end),
        }
    }

    #[test]
    fn a_session_whose_trial_end_has_passed_is_refused_and_stays_open() {
        let now = 1_800_000_000;
        let mut state = State::new(&crate::config::SimConfig::default());
        let customer = Customer { id: "cus_1".into(), created: 0, email: None, metadata: Metadata::new(), card: None };
        state.customers.insert(customer.id.clone(), customer);
        state.sessions.insert("cs_test_1".into(), session(now, now));

        let refused = complete(&mut state, now, "cs_test_1", CardOutcome::Succeeds).unwrap_err();

        assert_eq!((refused.status, refused.param.as_deref()), (400, Some("subscription_data[trial_end]")));
        assert!(state.subscriptions.is_empty() && state.events.is_empty());
        state.sessions.insert("cs_test_1".into(), session(now, now + 86_400));
        assert_eq!(complete(&mut state, now, "cs_test_1", CardOutcome::Succeeds).unwrap().status, SessionStatus::Complete);
    }
}
