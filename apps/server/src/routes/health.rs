//! Liveness, readiness and metrics.

use actix_web::{get, web, HttpResponse};

use crate::dto::HealthDto;
use crate::error::ErrorBody;
use crate::state::AppState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = HealthDto)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthDto { status: "ok" })
}

/// The database answers; also refreshes the backlog gauge.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, body = HealthDto), (status = 503, body = ErrorBody)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.ledger.backlog().await {
        Ok(backlog) => {
            state.metrics.ledger_backlog.set(i64::try_from(backlog).unwrap_or(i64::MAX));
            HttpResponse::Ok().json(HealthDto { status: "ready" })
        }
        Err(_) => HttpResponse::ServiceUnavailable().json(ErrorBody {
            error: "database_unavailable",
            message: "the database is unavailable".into(),
            ..ErrorBody::default()
        }),
    }
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
