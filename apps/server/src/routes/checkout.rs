//! Buying a plan: open Checkout, verify the return from it, and link to the Customer Portal.

use actix_web::{get, post, web, HttpResponse};

use crate::auth::Owner;
use crate::dto::{plan_id, CheckoutBody, CheckoutResponse, PortalResponse, SubscriptionDto, VerifySessionBody};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Opens a Checkout session for a paid plan; owners and admins only. While a session opened
/// less than five minutes ago is pending, answers 409 `checkout_in_progress` with its URL (EC-18).
#[utoipa::path(post, path = "/api/billing/checkout", tag = "billing", security(("bearer" = [])), request_body = CheckoutBody,
    responses((status = 200, body = CheckoutResponse), (status = 400, description = "unknown_plan, plan_not_purchasable", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "checkout_in_progress (with checkout_url), same_plan, already_subscribed", body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[post("/api/billing/checkout")]
pub async fn start(state: web::Data<AppState>, Owner(user): Owner, body: web::Json<CheckoutBody>) -> Result<HttpResponse, ApiError> {
    let plan = plan_id(&body.plan)?;
    let started = state.billing.start_checkout(&user.org, user.actor(), plan, user.email.clone()).await?;
    state.metrics.checkout_sessions.inc();
    Ok(HttpResponse::Ok().json(CheckoutResponse::from(started)))
}

/// A fresh Customer Portal link (short-lived, never stored); owners and admins only.
#[utoipa::path(get, path = "/api/billing/checkout", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = PortalResponse), (status = 403, body = ErrorBody),
        (status = 409, description = "no_billing_account", body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[get("/api/billing/checkout")]
pub async fn portal(state: web::Data<AppState>, Owner(user): Owner) -> Result<HttpResponse, ApiError> {
    let link = state.billing.portal_link(&user.org).await?;
    state.metrics.portal_sessions.inc();
    Ok(HttpResponse::Ok().json(PortalResponse { portal_url: link.url }))
}

/// Verifies the session the customer returned from and fulfils it when complete and paid; the
/// `checkout.session.completed` webhook fulfils the same way, whichever comes first.
#[utoipa::path(post, path = "/api/billing/verify-session", tag = "billing", security(("bearer" = [])), request_body = VerifySessionBody,
    responses((status = 200, body = SubscriptionDto), (status = 402, description = "payment_required", body = ErrorBody),
        (status = 403, description = "forbidden, session_not_owned", body = ErrorBody),
        (status = 409, description = "checkout_incomplete", body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[post("/api/billing/verify-session")]
pub async fn verify(state: web::Data<AppState>, Owner(user): Owner, body: web::Json<VerifySessionBody>) -> Result<HttpResponse, ApiError> {
    let session = body.session()?;
    let org = state.billing.verify_checkout(&user.org, &session).await?;
    Ok(HttpResponse::Ok().json(SubscriptionDto::new(&state.rules, &org, state.clock_now())))
}
