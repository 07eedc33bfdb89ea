//! `/v1/subscriptions/{id}`: retrieve, cancel at period end, change price, cancel now.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{handle, Ctx};
use crate::billing_cycle::price_change::{self, PaymentBehavior};
use crate::error::ApiError;
use crate::form::decode;
use crate::render;
use crate::server::Sim;
use crate::state::{State, SubStatus, Subscription};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/subscriptions/{id}", web::get().to(retrieve))
        .route("/v1/subscriptions/{id}", web::post().to(update))
        .route("/v1/subscriptions/{id}", web::delete().to(cancel));
}

#[derive(Debug, Default, Deserialize)]
struct Expand {
    #[serde(default)]
    expand: Vec<String>,
}

fn find(state: &State, id: &str) -> Result<Subscription, ApiError> {
    state.subscriptions.get(id).cloned().ok_or_else(|| ApiError::missing("subscription", "id", id))
}

/// The subscription, with `latest_invoice` (and its `payments`) and `schedule` expanded when
/// asked.
fn rendered(state: &State, sub: &Subscription, expand: &[String]) -> Result<Value, ApiError> {
    let mut object = render::subscription(state, sub)?;
    for path in expand {
        match path.as_str() {
            "latest_invoice" | "latest_invoice.payments" | "schedule" => {}
            other => return Err(ApiError::invalid_param("expand", format!("This property cannot be expanded ({other})."))),
        }
    }
    if expand.iter().any(|path| path.starts_with("latest_invoice")) {
        let invoice = sub.latest_invoice.as_ref().and_then(|id| state.invoices.get(id));
        let with_payments = expand.iter().any(|path| path == "latest_invoice.payments");
        let expanded = invoice
            .map(|invoice| if with_payments { render::invoice_with_payments(state, invoice) } else { render::invoice(state, invoice) })
            .transpose()?;
        render::set(&mut object, "latest_invoice", expanded);
    }
    if expand.iter().any(|path| path == "schedule") {
        let schedule = sub.schedule.as_ref().and_then(|id| state.schedules.get(id));
        let expanded = schedule.map(|schedule| render::schedule(state, schedule)).transpose()?;
        render::set(&mut object, "schedule", expanded);
    }
    Ok(object)
}

async fn retrieve(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let query: Expand = decode(req.query_string().as_bytes())?;
        rendered(state, &find(state, &id)?, &query.expand)
    })
}

#[derive(Debug, Deserialize)]
struct ItemChange {
    id: Option<String>,
    price: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct UpdateSubscription {
    cancel_at_period_end: Option<bool>,
    #[serde(default)]
    items: Vec<ItemChange>,
    proration_behavior: Option<String>,
    proration_date: Option<i64>,
    payment_behavior: Option<String>,
    #[serde(default)]
    expand: Vec<String>,
}

/// `cancel_at_period_end`: `canceled_at` is the request time while set, cleared on undo.
fn set_cancel(sub: &mut Subscription, cancel: bool, now: i64) -> Value {
    let previous = json!({"cancel_at_period_end": sub.cancel_at_period_end, "cancel_at": sub.cancel_at_period_end.then_some(sub.period_end), "canceled_at": sub.canceled_at});
    sub.cancel_at_period_end = cancel;
    sub.canceled_at = cancel.then_some(now);
    previous
}

/// The new price of the subscription's (only) item.
fn new_price(state: &State, sub: &Subscription, change: &ItemChange) -> Result<String, ApiError> {
    if change.id.as_deref() != Some(sub.item_id.as_str()) {
        return Err(ApiError::invalid_param("items[0][id]", "The simulator changes the existing item only; pass its id."));
    }
    let price =
        change.price.clone().ok_or_else(|| ApiError::invalid_param("items[0][price]", "Missing required param: items[0][price]."))?;
    if state.price(&price).is_none() {
        return Err(ApiError::missing("price", "items[0][price]", &price));
    }
    Ok(price)
}

/// A price change without an invoice now: `none` just switches, `create_prorations` leaves the
/// two proration lines for the next invoice.
fn set_price(state: &State, sub: &mut Subscription, price: String, prorate: bool, at: i64) -> Result<Value, ApiError> {
    if prorate {
        let lines = price_change::proration_lines(state, sub, &price, at)?;
        sub.pending_lines.extend(lines);
    }
    let previous_items = render::subscription(state, sub)?.pointer("/items").cloned();
    sub.price = price;
    Ok(json!({"items": previous_items}))
}

fn apply_update(state: &mut State, ctx: &Ctx, id: &str, form: &UpdateSubscription) -> Result<Value, ApiError> {
    let mut sub = find(state, id)?;
    if sub.status == SubStatus::Canceled {
        return Err(ApiError::state(format!("A canceled subscription can only update its metadata ({id}).")));
    }
    let payment = PaymentBehavior::parse(form.payment_behavior.as_deref())?;
    let behavior = form.proration_behavior.as_deref().unwrap_or("create_prorations");
    if !matches!(behavior, "none" | "create_prorations" | "always_invoice") {
        return Err(ApiError::invalid_param("proration_behavior", format!("Invalid proration_behavior: {behavior}.")));
    }
    let price = form.items.first().map(|change| new_price(state, &sub, change)).transpose()?;
    let at = form.proration_date.unwrap_or(ctx.now);
    // A payment the request refuses to leave incomplete is checked before anything changes.
    if let Some(price) = price.as_deref().filter(|_| behavior == "always_invoice") {
        price_change::refusal(state, &sub, price, at, ctx.now, payment)?;
    }
    let mut previous = serde_json::Map::new();
    if let Some(cancel) = form.cancel_at_period_end {
        if let Value::Object(changed) = set_cancel(&mut sub, cancel, ctx.now) {
            previous.extend(changed);
        }
    }
    if let Some(price) = price.clone().filter(|_| behavior != "always_invoice") {
        previous.extend(price_change::drop_pending(state, &ctx.cause, &mut sub, ctx.now)?);
        if let Value::Object(changed) = set_price(state, &mut sub, price, behavior == "create_prorations", at)? {
            previous.extend(changed);
        }
    }
    state.subscriptions.insert(sub.id.clone(), sub.clone());
    let object = render::subscription(state, &sub)?;
    if !previous.is_empty() {
        state.emit(&ctx.cause, ctx.now, "customer.subscription.updated", object, Some(Value::Object(previous)));
    }
    if let Some(price) = price.filter(|_| behavior == "always_invoice") {
        sub = price_change::always_invoice(state, &ctx.cause, ctx.now, sub, &price, at, payment)?;
    }
    rendered(state, &sub, &form.expand)
}

/// `cancel_at_period_end` set or cleared as `POST /v1/subscriptions/{id}` does, with the same
/// event; the hosted billing portal's cancel and renew buttons go through it.
pub(crate) fn set_cancel_at_period_end(state: &mut State, ctx: &Ctx, id: &str, cancel: bool) -> Result<Value, ApiError> {
    apply_update(state, ctx, id, &UpdateSubscription { cancel_at_period_end: Some(cancel), ..UpdateSubscription::default() })
}

async fn update(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: UpdateSubscription = decode(&body)?;
        apply_update(state, ctx, &id, &form)
    })
}

async fn cancel(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, ctx| {
        let mut sub = find(state, &id)?;
        if sub.status == SubStatus::Canceled {
            return Err(ApiError::state(format!("The subscription {} is already canceled.", sub.id)));
        }
        sub.canceled_at = Some(ctx.now);
        let ended = crate::billing_cycle::end_subscription(state, &ctx.cause, sub, ctx.now)?;
        render::subscription(state, &ended)
    })
}
