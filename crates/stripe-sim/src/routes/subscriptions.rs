//! `/v1/subscriptions/{id}`: retrieve, cancel at period end, change price, cancel now.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{handle, Ctx};
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

/// The subscription, with `latest_invoice` expanded when asked; `schedule` is accepted and stays
/// `null` because the simulator has no schedules yet.
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
        let expanded = invoice.map(|invoice| render::invoice(state, invoice)).transpose()?;
        render::set(&mut object, "latest_invoice", expanded);
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

#[derive(Debug, Deserialize)]
struct UpdateSubscription {
    cancel_at_period_end: Option<bool>,
    #[serde(default)]
    items: Vec<ItemChange>,
    proration_behavior: Option<String>,
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

/// A price change without prorations; prorated changes are not simulated yet.
fn set_price(state: &State, sub: &mut Subscription, change: &ItemChange, behavior: Option<&str>) -> Result<Value, ApiError> {
    if change.id.as_deref() != Some(sub.item_id.as_str()) {
        return Err(ApiError::invalid_param("items[0][id]", "The simulator changes the existing item only; pass its id."));
    }
    let price =
        change.price.clone().ok_or_else(|| ApiError::invalid_param("items[0][price]", "Missing required param: items[0][price]."))?;
    if state.price(&price).is_none() {
        return Err(ApiError::missing("price", "items[0][price]", &price));
    }
    if behavior != Some("none") {
        return Err(ApiError::invalid_param(
            "proration_behavior",
            "Prorated price changes are not simulated yet; use proration_behavior=none.",
        ));
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
    let mut previous = serde_json::Map::new();
    if let Some(cancel) = form.cancel_at_period_end {
        if let Value::Object(changed) = set_cancel(&mut sub, cancel, ctx.now) {
            previous.extend(changed);
        }
    }
    if let Some(change) = form.items.first() {
        if let Value::Object(changed) = set_price(state, &mut sub, change, form.proration_behavior.as_deref())? {
            previous.extend(changed);
        }
    }
    state.subscriptions.insert(sub.id.clone(), sub.clone());
    let object = render::subscription(state, &sub)?;
    if !previous.is_empty() {
        state.emit(&ctx.cause, ctx.now, "customer.subscription.updated", object, Some(Value::Object(previous)));
    }
    rendered(state, &sub, &form.expand)
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
        sub.status = SubStatus::Canceled;
        sub.canceled_at = Some(ctx.now);
        sub.ended_at = Some(ctx.now);
        state.subscriptions.insert(sub.id.clone(), sub.clone());
        let object = render::subscription(state, &sub)?;
        state.emit(&ctx.cause, ctx.now, "customer.subscription.deleted", object.clone(), None);
        Ok(object)
    })
}
