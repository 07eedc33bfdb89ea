//! Changing a subscription: cancel and reactivate, change plan, release a scheduled change, quote.

use actix_web::{delete, post, web, HttpResponse};
use billing_core::decide::TransitionError;
use billing_core::services::QuoteLock;

use crate::auth::Owner;
use crate::dto::{plan_id, ChangePlanBody, ProrationBody, ProrationResponse, SubscriptionDto};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

fn subscription(state: &AppState, org: &billing_core::BillingState) -> HttpResponse {
    HttpResponse::Ok().json(SubscriptionDto::new(&state.rules, org, state.clock_now()))
}

/// Cancels at period end; paid features stay until then (EC-4A).
#[utoipa::path(delete, path = "/api/billing/subscription", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionDto), (status = 403, body = ErrorBody),
        (status = 409, description = "no_subscription, invalid_transition", body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[delete("/api/billing/subscription")]
pub async fn cancel(state: web::Data<AppState>, Owner(user): Owner) -> Result<HttpResponse, ApiError> {
    let org = state.billing.cancel_at_period_end(&user.org, user.actor()).await?;
    state.metrics.cancellations.with_label_values(&["at_period_end"]).inc();
    Ok(subscription(&state, &org))
}

/// Undoes a cancellation at period end (EC-5).
#[utoipa::path(post, path = "/api/billing/subscription/reactivate", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionDto), (status = 403, body = ErrorBody),
        (status = 409, description = "not_canceling, no_subscription", body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[post("/api/billing/subscription/reactivate")]
pub async fn reactivate(state: web::Data<AppState>, Owner(user): Owner) -> Result<HttpResponse, ApiError> {
    let org = state.billing.reactivate(&user.org, user.actor()).await?;
    Ok(subscription(&state, &org))
}

/// Upgrades now with the proration charged (EC-6) or schedules a downgrade at period end
/// (EC-7); at most five changes a minute per organization (EC-8).
#[utoipa::path(post, path = "/api/billing/plan", tag = "billing", security(("bearer" = [])), request_body = ChangePlanBody,
    responses((status = 200, body = SubscriptionDto), (status = 400, description = "unknown_plan, invalid_quote", body = ErrorBody),
        (status = 402, description = "payment_failed, payment_requires_action (with hosted_invoice_url)", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "same_plan, quote_changed, quote_expired, usage_exceeds_target_plan (with exceeded)", body = ErrorBody),
        (status = 429, description = "too_many_plan_changes, with Retry-After", body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[post("/api/billing/plan")]
pub async fn change(state: web::Data<AppState>, Owner(user): Owner, body: web::Json<ChangePlanBody>) -> Result<HttpResponse, ApiError> {
    let mut request = body.request()?;
    request.quote = match &body.quote {
        Some(token) => Some(state.quotes.verify(token, &user.org, state.clock_now())?),
        None => None,
    };
    let org = state.billing.change_plan(&user.org, user.actor(), request).await?;
    Ok(subscription(&state, &org))
}

/// Keeps the current plan instead of the scheduled downgrade (releases the subscription schedule).
#[utoipa::path(delete, path = "/api/billing/plan/scheduled", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionDto), (status = 403, body = ErrorBody),
        (status = 409, description = "nothing_scheduled", body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[delete("/api/billing/plan/scheduled")]
pub async fn release_scheduled(state: web::Data<AppState>, Owner(user): Owner) -> Result<HttpResponse, ApiError> {
    let org = state.billing.cancel_scheduled_change(&user.org, user.actor()).await?;
    Ok(subscription(&state, &org))
}

/// What a change to `plan` costs now (Stripe's invoice preview for upgrades), with a signed
/// quote valid for ten minutes.
#[utoipa::path(post, path = "/api/billing/proration", tag = "billing", security(("bearer" = [])), request_body = ProrationBody,
    responses((status = 200, body = ProrationResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "same_plan, no_subscription, no_billing_period", body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[post("/api/billing/proration")]
pub async fn proration(state: web::Data<AppState>, Owner(user): Owner, body: web::Json<ProrationBody>) -> Result<HttpResponse, ApiError> {
    let plan = plan_id(&body.plan)?;
    let quote = state.billing.preview_proration(&user.org, &plan).await?;
    let price = state.rules.catalog.plan(&plan).and_then(|p| p.stripe_price()).cloned();
    let price = price.ok_or_else(|| ApiError::Billing(TransitionError::PlanNotPurchasable(plan.clone()).into()))?;
    let lock = QuoteLock { price, proration_date: quote.proration_date, amount: quote.charge_now() };
    let (token, expires_at) = state.quotes.sign(&user.org, &lock, state.clock_now())?;
    Ok(HttpResponse::Ok().json(ProrationResponse::new(&quote, token, expires_at)))
}
