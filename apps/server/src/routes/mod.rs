//! HTTP routes: thin handlers that parse at the edge, call a use case and map the result.

mod auth;
mod billing;
mod checkout;
mod health;
pub mod openapi;
mod plan;
mod webhook;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(openapi::document)
        .service(auth::refresh)
        .service(billing::organization)
        .service(billing::subscription)
        .service(billing::plans)
        .service(billing::entitlements)
        .service(billing::invoices)
        .service(checkout::start)
        .service(checkout::portal)
        .service(checkout::verify)
        .service(plan::cancel)
        .service(plan::reactivate)
        .service(plan::change)
        .service(plan::release_scheduled)
        .service(plan::proration)
        .service(web::resource("/api/webhooks/stripe").route(web::post().to(webhook::receive)));
}

/// Unknown routes answer the same JSON error shape as everything else.
pub async fn not_found() -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    Err(crate::error::ApiError::NotFound)
}

/// Malformed JSON bodies answer the same JSON error shape as everything else; a body that did
/// not arrive within the deadline answers 408.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(64 * 1024).error_handler(|err, _| match &err {
        actix_web::error::JsonPayloadError::Payload(e) if crate::body_deadline::is_timeout(e) => {
            crate::error::ApiError::RequestTimeout.into()
        }
        _ => crate::error::ApiError::InvalidRequest(format!("the body is not valid for this endpoint: {err}")).into(),
    })
}

/// Malformed query strings, likewise.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| crate::error::ApiError::InvalidRequest(format!("the query is not valid for this endpoint: {err}")).into())
}
