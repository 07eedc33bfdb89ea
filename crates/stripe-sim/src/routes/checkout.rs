//! `/v1/checkout/sessions` and the test helper that completes a session with a test card.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::handle;
use crate::billing_cycle::checkout;
use crate::error::ApiError;
use crate::form::decode;
use crate::ids::new_id;
use crate::render;
use crate::server::Sim;
use crate::state::{CheckoutSession, Metadata, SessionStatus, State};

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
    trial_period_days: Option<i64>,
    trial_end: Option<i64>,
}

/// Stripe's bounds of a Checkout trial: at most 730 days, `trial_end` at least 48 h away, and
/// not both parameters.
fn validated_trial(data: &SubscriptionData, now: i64) -> Result<(), ApiError> {
    match (data.trial_period_days, data.trial_end) {
        (Some(_), Some(_)) => Err(ApiError::invalid_param(
            "subscription_data[trial_end]",
            "You may only specify one of these parameters: trial_end, trial_period_days.",
        )),
        (Some(days), None) if !(1..=730).contains(&days) => {
            Err(ApiError::invalid_param("subscription_data[trial_period_days]", "trial_period_days must be between 1 and 730."))
        }
        (None, Some(end)) if end < now + 48 * 3600 || end > now + 730 * 86_400 => Err(ApiError::invalid_param(
            "subscription_data[trial_end]",
            "trial_end must be at least 48 hours and at most 730 days in the future.",
        )),
        _ => Ok(()),
    }
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
    super::web_url("success_url", Some(&success_url))?;
    super::web_url("cancel_url", form.cancel_url.as_deref())?;
    Ok((customer, item.price.clone(), success_url))
}

async fn create(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: CreateSession = decode(&body)?;
        let (customer, price, success_url) = validated(state, &form)?;
        validated_trial(&form.subscription_data, ctx.now)?;
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
            subscription_metadata: form.subscription_data.metadata.clone(),
            success_url,
            cancel_url: form.cancel_url,
            expires_at,
            status: SessionStatus::Open,
            subscription: None,
            invoice: None,
            trial_period_days: form.subscription_data.trial_period_days,
            trial_end: form.subscription_data.trial_end,
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

async fn complete(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: CompleteSession = decode(&body)?;
        let outcome = checkout::card(form.card.as_deref())?;
        let done = checkout::complete(state, ctx.now, &id, outcome)?;
        Ok(json!({"checkout_session": render::checkout_session(state, &done)?, "redirect_url": checkout::redirect_url(&done)}))
    })
}
