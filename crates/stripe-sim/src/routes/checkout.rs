//! `/v1/checkout/sessions` and the test helper that completes a session with a test card.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{handle, Ctx};
use crate::error::ApiError;
use crate::form::decode;
use crate::ids::new_id;
use crate::render;
use crate::server::Sim;
use crate::state::{CardOutcome, CheckoutSession, Invoice, InvoiceStatus, Metadata, SessionStatus, State, SubStatus, Subscription};

/// Stripe's default session lifetime, 24 h.
const DEFAULT_LIFETIME_SECS: i64 = 24 * 3600;
/// One billing month as the simulator counts it: 30 days.
pub const PERIOD_SECS: i64 = 30 * 24 * 3600;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/checkout/sessions", web::post().to(create))
        .route("/v1/checkout/sessions/{id}", web::get().to(retrieve))
        .route("/v1/test_helpers/checkout/sessions/{id}/complete", web::post().to(complete));
}

#[derive(Debug, Deserialize)]
struct LineItem {
    price: String,
    quantity: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
struct SubscriptionData {
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Debug, Deserialize)]
struct CreateSession {
    mode: Option<String>,
    customer: Option<String>,
    client_reference_id: Option<String>,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    line_items: Vec<LineItem>,
    success_url: Option<String>,
    cancel_url: Option<String>,
    expires_at: Option<i64>,
    #[serde(default)]
    subscription_data: SubscriptionData,
    payment_method_types: Option<Vec<String>>,
}

fn validated(state: &State, form: &CreateSession) -> Result<(String, String, String), ApiError> {
    if form.mode.as_deref() != Some("subscription") {
        return Err(ApiError::invalid_param("mode", "The simulator supports mode=subscription only."));
    }
    if form.payment_method_types.is_some() {
        return Err(ApiError::invalid_param("payment_method_types", "Received unknown parameter: payment_method_types"));
    }
    let customer = form.customer.clone().ok_or_else(|| ApiError::invalid_param("customer", "Missing required param: customer."))?;
    if !state.customers.contains_key(&customer) {
        return Err(ApiError::missing("customer", "customer", &customer));
    }
    let item = match form.line_items.as_slice() {
        [one] if one.quantity.unwrap_or(1) == 1 => one,
        _ => return Err(ApiError::invalid_param("line_items", "The simulator supports exactly one line item of quantity 1.")),
    };
    if state.price(&item.price).is_none() {
        return Err(ApiError::missing("price", "line_items[0][price]", &item.price));
    }
    let success_url =
        form.success_url.clone().ok_or_else(|| ApiError::invalid_param("success_url", "Missing required param: success_url."))?;
    Ok((customer, item.price.clone(), success_url))
}

async fn create(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: CreateSession = decode(&body)?;
        let (customer, price, success_url) = validated(state, &form)?;
        let expires_at = form.expires_at.unwrap_or(ctx.now + DEFAULT_LIFETIME_SECS);
        if !(ctx.now + 1800..=ctx.now + DEFAULT_LIFETIME_SECS).contains(&expires_at) {
            return Err(ApiError::invalid_param("expires_at", "expires_at must be between 30 minutes and 24 hours from now."));
        }
        let session = CheckoutSession {
            id: new_id("cs_test"),
            created: ctx.now,
            customer,
            price,
            client_reference_id: form.client_reference_id,
            metadata: form.metadata,
            subscription_metadata: form.subscription_data.metadata,
            success_url,
            cancel_url: form.cancel_url,
            expires_at,
            status: SessionStatus::Open,
            subscription: None,
            invoice: None,
        };
        let object = render::checkout_session(state, &session)?;
        state.sessions.insert(session.id.clone(), session);
        Ok(object)
    })
}

async fn retrieve(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, ctx| {
        let session = state.sessions.get_mut(id.as_str()).ok_or_else(|| ApiError::missing("checkout.session", "id", &id))?;
        if session.status == SessionStatus::Open && session.expires_at <= ctx.now {
            session.status = SessionStatus::Expired;
        }
        let session = session.clone();
        render::checkout_session(state, &session)
    })
}

#[derive(Debug, Deserialize)]
struct CompleteSession {
    card: Option<String>,
}

/// The first invoice of a new subscription, paid at checkout with the card given there (whose
/// authentication, if any, Checkout's page has done).
fn first_invoice(state: &mut State, sub: &Subscription, currency: &str, amount: i64, now: i64) -> Invoice {
    let mut invoice = crate::billing_cycle::period_invoice(sub, currency, amount, now, "subscription_create");
    invoice.status = InvoiceStatus::Open;
    crate::billing_cycle::collect::collect_by(state, &mut invoice, now, Some(CardOutcome::Succeeds));
    invoice
}

/// The card a session is completed with; cards that cannot pay are refused on the form, as
/// Checkout shows a decline to the customer and keeps the session open.
fn card(raw: Option<&str>) -> Result<CardOutcome, ApiError> {
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

/// The events of a first payment, in Stripe's order: the subscription created incomplete, its
/// invoice created, finalized and paid, then the subscription active.
fn emit_first_payment(state: &mut State, sub: &mut Subscription, invoice: &Invoice, now: i64) -> Result<(), ApiError> {
    let stripe = crate::state::Cause::default();
    let created = render::subscription(state, sub)?;
    state.emit(&stripe, now, "customer.subscription.created", created, None);
    let mut draft = invoice.clone();
    draft.status = InvoiceStatus::Draft;
    draft.paid_at = None;
    draft.attempt_count = 0;
    let rendered = render::invoice(state, &draft)?;
    state.emit(&stripe, now, "invoice.created", rendered, None);
    let paid = render::invoice(state, invoice)?;
    for event_type in ["invoice.finalized", "invoice.paid", "invoice.payment_succeeded"] {
        state.emit(&stripe, now, event_type, paid.clone(), None);
    }
    sub.status = SubStatus::Active;
    state.subscriptions.insert(sub.id.clone(), sub.clone());
    let active = render::subscription(state, sub)?;
    state.emit(&stripe, now, "customer.subscription.updated", active, Some(json!({"status": "incomplete"})));
    Ok(())
}

/// Completes an open session: subscription (incomplete), its first invoice paid, the
/// subscription active, the session complete, each step with Stripe's event.
fn complete_session(state: &mut State, ctx: &Ctx, id: &str, outcome: CardOutcome) -> Result<Value, ApiError> {
    let session = state.sessions.get(id).cloned().ok_or_else(|| ApiError::missing("checkout.session", "id", id))?;
    if session.status != SessionStatus::Open || session.expires_at <= ctx.now {
        return Err(ApiError::state(format!("The checkout session {id} is not open.")));
    }
    let price = state.price(&session.price).cloned().ok_or_else(|| ApiError::internal("the session's price vanished"))?;
    if let Some(customer) = state.customers.get_mut(&session.customer) {
        customer.card = Some(outcome);
    }
    let mut sub = Subscription {
        id: new_id("sub"),
        created: ctx.now,
        customer: session.customer.clone(),
        item_id: new_id("si"),
        price: price.id.clone(),
        status: SubStatus::Incomplete,
        period_start: ctx.now,
        period_end: ctx.now + PERIOD_SECS,
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
    };
    let invoice = first_invoice(state, &sub, &price.currency, price.unit_amount, ctx.now);
    sub.latest_invoice = Some(invoice.id.clone());
    state.invoices.insert(invoice.id.clone(), invoice.clone());
    state.subscriptions.insert(sub.id.clone(), sub.clone());
    emit_first_payment(state, &mut sub, &invoice, ctx.now)?;
    let mut done = session;
    done.status = SessionStatus::Complete;
    done.subscription = Some(sub.id.clone());
    done.invoice = Some(invoice.id.clone());
    state.sessions.insert(done.id.clone(), done.clone());
    let object = render::checkout_session(state, &done)?;
    state.emit(&crate::state::Cause::default(), ctx.now, "checkout.session.completed", object.clone(), None);
    let redirect = done.success_url.replace("{CHECKOUT_SESSION_ID}", &done.id);
    Ok(json!({"checkout_session": object, "redirect_url": redirect}))
}

async fn complete(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: CompleteSession = decode(&body)?;
        let outcome = card(form.card.as_deref())?;
        complete_session(state, ctx, &id, outcome)
    })
}
