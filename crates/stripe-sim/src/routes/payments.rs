//! `/v1/charges/{id}`, `/v1/payment_intents/{id}` and `/v1/refunds`: the payments behind
//! invoices, and refunds of their charges.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{handle, Ctx};
use crate::error::ApiError;
use crate::form::decode;
use crate::ids::new_id;
use crate::payments::{Charge, Refund};
use crate::render;
use crate::server::Sim;
use crate::state::{Metadata, State};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/charges/{id}", web::get().to(retrieve_charge))
        .route("/v1/payment_intents/{id}", web::get().to(retrieve_intent))
        .route("/v1/refunds", web::post().to(create_refund))
        .route("/v1/refunds/{id}", web::get().to(retrieve_refund));
}

async fn retrieve_charge(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let charge = state.charges.get(id.as_str()).ok_or_else(|| ApiError::missing("charge", "id", &id))?;
        render::charge(charge)
    })
}

async fn retrieve_intent(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let intent = state.payment_intents.get(id.as_str()).ok_or_else(|| ApiError::missing("payment_intent", "id", &id))?;
        render::payment_intent(state, intent)
    })
}

async fn retrieve_refund(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let refund = state.refunds.get(id.as_str()).ok_or_else(|| ApiError::missing("refund", "id", &id))?;
        render::refund(refund)
    })
}

#[derive(Debug, Deserialize)]
struct CreateRefund {
    charge: Option<String>,
    payment_intent: Option<String>,
    amount: Option<i64>,
    reason: Option<String>,
    #[serde(default)]
    metadata: Metadata,
}

/// The charge to refund: named, or the latest of the named PaymentIntent.
fn charge_to_refund(state: &State, form: &CreateRefund) -> Result<Charge, ApiError> {
    let id = match (&form.charge, &form.payment_intent) {
        (Some(charge), None) => charge.clone(),
        (None, Some(intent)) => {
            let intent = state.payment_intents.get(intent).ok_or_else(|| ApiError::missing("payment_intent", "payment_intent", intent))?;
            intent.latest_charge.clone().ok_or_else(|| ApiError::state("This PaymentIntent has no charge to refund."))?
        }
        _ => return Err(ApiError::invalid_param("charge", "Pass exactly one of charge and payment_intent.")),
    };
    state.charges.get(&id).cloned().ok_or_else(|| ApiError::missing("charge", "charge", &id))
}

/// The amount to refund: what is asked, at most what is left of the charge.
fn refund_amount(charge: &Charge, asked: Option<i64>) -> Result<i64, ApiError> {
    let left = charge.refundable();
    if left == 0 {
        return Err(ApiError::state(format!("Charge {} has already been refunded.", charge.id)).with_code("charge_already_refunded"));
    }
    let amount = asked.unwrap_or(left);
    if amount <= 0 {
        return Err(ApiError::invalid_param("amount", "The refund amount must be a positive integer."));
    }
    if amount > left {
        return Err(ApiError::invalid_param(
            "amount",
            format!("Refund amount ({amount}) is greater than unrefunded amount on charge ({left})."),
        ));
    }
    Ok(amount)
}

fn refund(state: &mut State, ctx: &Ctx, form: CreateRefund) -> Result<Value, ApiError> {
    if form.reason.as_deref().is_some_and(|reason| !matches!(reason, "duplicate" | "fraudulent" | "requested_by_customer")) {
        return Err(ApiError::invalid_param("reason", "Invalid reason: must be one of duplicate, fraudulent or requested_by_customer."));
    }
    let mut charge = charge_to_refund(state, &form)?;
    let amount = refund_amount(&charge, form.amount)?;
    let previous = json!({"amount_refunded": charge.amount_refunded, "refunded": false});
    charge.amount_refunded += amount;
    let refund = Refund {
        id: new_id("re"),
        created: ctx.now,
        charge: charge.id.clone(),
        payment_intent: charge.payment_intent.clone(),
        customer: charge.customer.clone(),
        amount,
        currency: charge.currency.clone(),
        reason: form.reason,
        metadata: form.metadata,
    };
    state.charges.insert(charge.id.clone(), charge.clone());
    state.refunds.insert(refund.id.clone(), refund.clone());
    let object = render::refund(&refund)?;
    state.emit(&ctx.cause, ctx.now, "charge.refunded", render::charge(&charge)?, Some(previous));
    state.emit(&ctx.cause, ctx.now, "refund.created", object.clone(), None);
    Ok(object)
}

async fn create_refund(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: CreateRefund = decode(&body)?;
        refund(state, ctx, form)
    })
}
