//! HTTP routes: thin handlers that parse at the edge, call a use case and map the result.

mod auth;
mod billing;
mod health;
pub mod openapi;
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
        .service(web::resource("/api/webhooks/stripe").route(web::post().to(webhook::receive)));
}

/// Unknown routes answer the same JSON error shape as everything else.
pub async fn not_found() -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    Err(crate::error::ApiError::NotFound)
}
