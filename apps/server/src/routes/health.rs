//! Liveness, readiness and metrics.

use std::time::Instant;

use actix_web::{get, web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::{bearer, AuthError};
use crate::dto::HealthDto;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = HealthDto)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthDto { status: "ok" })
}

/// The database answers; also refreshes the backlog gauge. The database is asked at most once a
/// second, whatever the number of probes; the others share the latest answer.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, body = HealthDto), (status = 503, body = ErrorBody)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ledger = state.ledger.clone();
    match state.readiness.check(Instant::now(), || async move { ledger.backlog().await }).await {
        Some(backlog) => {
            state.metrics.ledger_backlog.set(i64::try_from(backlog).unwrap_or(i64::MAX));
            HttpResponse::Ok().json(HealthDto { status: "ready" })
        }
        None => HttpResponse::ServiceUnavailable().json(ErrorBody {
            error: "database_unavailable",
            message: "the database is unavailable".into(),
            ..ErrorBody::default()
        }),
    }
}

/// Whether two secrets are equal, in time independent of where they differ and of their
/// lengths (both are hashed to 32 bytes first).
fn same_secret(given: &str, expected: &str) -> bool {
    Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())).into()
}

/// Prometheus text exposition; with `METRICS_TOKEN` set, only for `Authorization: Bearer <token>`.
#[utoipa::path(get, path = "/metrics", tag = "operations", security((), ("bearer" = [])),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, body = ErrorBody, description = "METRICS_TOKEN is set and the request does not carry it")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &state.metrics_token {
        let given = bearer(&req).map_err(ApiError::Auth)?;
        if !same_secret(given, expected.expose_secret()) {
            return Err(ApiError::Auth(AuthError::Invalid));
        }
    }
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_secret_matches() {
        assert!(same_secret("metrics-token", "metrics-token"));
        assert!(!same_secret("metrics-token", "metrics-tokeN"));
        assert!(!same_secret("metrics", "metrics-token"));
        assert!(!same_secret("", "metrics-token"));
    }
}
