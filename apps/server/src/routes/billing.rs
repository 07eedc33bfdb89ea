//! Read endpoints: the organization with its limits, and its subscription.

use actix_web::{get, web, HttpResponse};

use crate::auth::AuthUser;
use crate::dto::{OrganizationResponse, SubscriptionDto};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The caller's organization, its plan, limits, billing and notices.
#[utoipa::path(get, path = "/api/organization", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = OrganizationResponse), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[get("/api/organization")]
pub async fn organization(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let org = state.billing.state(&user.org).await?;
    Ok(HttpResponse::Ok().json(OrganizationResponse::new(&state.rules, &org, state.clock_now())))
}

/// The caller's subscription as the billing page shows it.
#[utoipa::path(get, path = "/api/billing/subscription", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionDto), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[get("/api/billing/subscription")]
pub async fn subscription(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let org = state.billing.state(&user.org).await?;
    Ok(HttpResponse::Ok().json(SubscriptionDto::new(&state.rules, &org, state.clock_now())))
}
