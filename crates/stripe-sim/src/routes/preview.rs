//! `POST /v1/invoices/create_preview`: the invoice an immediate price change would make now,
//! with its proration lines, stored nowhere; made by the same function as the change's.

use actix_web::web::{self, Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::{handle, Ctx};
use crate::billing_cycle::price_change;
use crate::error::ApiError;
use crate::form::decode;
use crate::ids::new_id;
use crate::render;
use crate::server::Sim;
use crate::state::{State, Subscription};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/invoices/create_preview", web::post().to(create_preview));
}

#[derive(Debug, Deserialize)]
struct PreviewItem {
    id: Option<String>,
    price: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Details {
    #[serde(default)]
    items: Vec<PreviewItem>,
    proration_behavior: Option<String>,
    proration_date: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct PreviewForm {
    customer: Option<String>,
    subscription: Option<String>,
    #[serde(default)]
    subscription_details: Details,
}

/// The subscription the preview is about, checked to belong to the customer when one is named.
fn subscription_of(state: &State, form: &PreviewForm) -> Result<Subscription, ApiError> {
    let id =
        form.subscription.as_deref().ok_or_else(|| ApiError::invalid_param("subscription", "Missing required param: subscription."))?;
    let sub = state.subscriptions.get(id).cloned().ok_or_else(|| ApiError::missing("subscription", "subscription", id))?;
    if form.customer.as_deref().is_some_and(|customer| customer != sub.customer) {
        return Err(ApiError::invalid_param("customer", format!("The subscription {id} does not belong to this customer.")));
    }
    Ok(sub)
}

/// The new price of the subscription's item; the preview changes that item only.
fn new_price(state: &State, sub: &Subscription, details: &Details) -> Result<String, ApiError> {
    let item = details.items.first().ok_or_else(|| ApiError::invalid_param("subscription_details[items]", "Pass the item to change."))?;
    if item.id.as_deref() != Some(sub.item_id.as_str()) {
        return Err(ApiError::invalid_param(
            "subscription_details[items][0][id]",
            "The simulator previews a change of the existing item only.",
        ));
    }
    let price =
        item.price.clone().ok_or_else(|| ApiError::invalid_param("subscription_details[items][0][price]", "Missing the new price."))?;
    if state.price(&price).is_none() {
        return Err(ApiError::missing("price", "subscription_details[items][0][price]", &price));
    }
    Ok(price)
}

fn preview(state: &State, ctx: &Ctx, form: &PreviewForm) -> Result<Value, ApiError> {
    let mut sub = subscription_of(state, form)?;
    let details = &form.subscription_details;
    if details.proration_behavior.as_deref().is_some_and(|b| b != "always_invoice" && b != "create_prorations") {
        return Err(ApiError::invalid_param("subscription_details[proration_behavior]", "The simulator previews prorated changes only."));
    }
    let price = new_price(state, &sub, details)?;
    let at = details.proration_date.unwrap_or(ctx.now);
    let mut invoice = price_change::change_invoice(state, &mut sub, &price, at, ctx.now)?;
    invoice.id = new_id("upcoming_in");
    render::invoice(state, &invoice)
}

async fn create_preview(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: PreviewForm = decode(&body)?;
        preview(state, ctx, &form)
    })
}
