//! Read endpoints, open to members: the organization, its subscription, the plans, its limits.

use actix_web::{get, web, HttpResponse};

use crate::auth::AuthUser;
use billing_core::entitlements_at;
use billing_core::offer::plan_offers;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::dto::{EntitlementsResponse, InvoicesResponse, OrganizationResponse, OrganizationView, PlansResponse, SubscriptionDto};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The caller's organization, its plan, limits, billing and notices, and the caller's role.
#[utoipa::path(get, path = "/api/organization", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = OrganizationView), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[get("/api/organization")]
pub async fn organization(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let org = state.billing.state(&user.org).await?;
    let organization = OrganizationResponse::new(&state.rules, &org, state.clock_now());
    Ok(HttpResponse::Ok().json(OrganizationView { organization, viewer: (&user).into() }))
}

/// The caller's subscription as the billing page shows it.
#[utoipa::path(get, path = "/api/billing/subscription", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionDto), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[get("/api/billing/subscription")]
pub async fn subscription(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let org = state.billing.state(&user.org).await?;
    Ok(HttpResponse::Ok().json(SubscriptionDto::new(&state.rules, &org, state.clock_now())))
}

/// Every plan with its price and limits, which one the organization is on, and what choosing
/// each does (`checkout`, `upgrade`, `downgrade`, `manage`).
#[utoipa::path(get, path = "/api/billing/plans", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = PlansResponse), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[get("/api/billing/plans")]
pub async fn plans(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let org = state.billing.state(&user.org).await?;
    let plans = plan_offers(&state.rules.catalog, &org).into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(PlansResponse { plans }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EntitlementsQuery {
    /// An RFC 3339 time; now when omitted.
    at: Option<String>,
}

/// The plan and limits in force at `at`: now, after a scheduled change, after grace runs out.
#[utoipa::path(get, path = "/api/billing/entitlements", tag = "billing", security(("bearer" = [])), params(EntitlementsQuery),
    responses((status = 200, body = EntitlementsResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[get("/api/billing/entitlements")]
pub async fn entitlements(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<EntitlementsQuery>,
) -> Result<HttpResponse, ApiError> {
    let at = match &query.at {
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::InvalidRequest("at: expected an RFC 3339 time, e.g. 2026-12-01T12:00:00Z".into()))?,
        None => state.clock_now(),
    };
    let org = state.billing.state(&user.org).await?;
    Ok(HttpResponse::Ok().json(EntitlementsResponse::new(at, entitlements_at(&state.rules.catalog, &org, at))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InvoicesQuery {
    /// How many of the latest invoices, 1 to 100; 12 when omitted.
    limit: Option<u32>,
}

/// The organization's latest invoices from Stripe, newest first, without drafts; empty before
/// the first checkout.
#[utoipa::path(get, path = "/api/billing/invoices", tag = "billing", security(("bearer" = [])), params(InvoicesQuery),
    responses((status = 200, body = InvoicesResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 503, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[get("/api/billing/invoices")]
pub async fn invoices(state: web::Data<AppState>, user: AuthUser, query: web::Query<InvoicesQuery>) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(12);
    let max = billing_core::services::MAX_INVOICES;
    if !(1..=max).contains(&limit) {
        return Err(ApiError::InvalidRequest(format!("limit: expected 1 to {max}")));
    }
    let invoices = state.billing.invoices(&user.org, limit).await?;
    Ok(HttpResponse::Ok().json(InvoicesResponse { invoices: invoices.into_iter().map(Into::into).collect() }))
}
