//! The Stripe webhook endpoint: verify, record durably, acknowledge; workers apply later.

use std::net::IpAddr;
use std::time::Instant;

use actix_web::{web, HttpRequest, HttpResponse};
use billing_core::services::IntakeOutcome;
use billing_stripe::{parse_envelope, parse_signature_header, verify_signature, SignatureError, VerifiedSignature};
use futures_util::StreamExt;

use crate::body_deadline::is_timeout;
use crate::dto::WebhookAck;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Stripe's payloads are far smaller; anything larger is refused before verification. The raw
/// stream is read by hand so an oversized body gets our JSON error rather than actix's bare 413.
pub const MAX_BODY: usize = 1 << 20;

/// The body, within [`MAX_BODY`] and the body-read deadline (408 once it passes).
async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let declared =
        req.headers().get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| if is_timeout(&e) { ApiError::RequestTimeout } else { ApiError::InvalidPayload })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Counts a failed verification against the client and answers 400, or 429 when the client
/// had already failed too often. Only deliveries that failed verification reach this point, so
/// the limiter can never refuse a validly signed one.
fn refuse(state: &AppState, client: Option<IpAddr>, e: SignatureError) -> ApiError {
    let why = e.code();
    state.metrics.webhooks_invalid_signature.with_label_values(&[why]).inc();
    tracing::warn!(reason = why, client = ?client, "webhook signature rejected");
    match client {
        Some(ip) if state.failures.record_failure(ip, Instant::now()) => ApiError::TooManyFailures,
        _ => ApiError::InvalidSignature(e),
    }
}

/// Reads and verifies a delivery. What needs no body (configured secrets, a usable
/// `Stripe-Signature` header) is checked before the body is read, so a delivery that cannot
/// pass never holds a connection while its body arrives.
async fn verified(state: &AppState, req: &HttpRequest, payload: web::Payload) -> Result<(Vec<u8>, VerifiedSignature), ApiError> {
    if state.webhook_secrets.is_empty() {
        return Err(ApiError::WebhooksNotConfigured);
    }
    let client = state.trusted_proxies.client(req.peer_addr().map(|a| a.ip()), req.headers());
    let header = req.headers().get("Stripe-Signature").and_then(|h| h.to_str().ok());
    if let Err(e) = header.ok_or(SignatureError::MissingHeader).and_then(parse_signature_header) {
        return Err(refuse(state, client, e));
    }
    let body = read_body(req, payload).await?;
    match verify_signature(&body, header, &state.webhook_secrets, state.signature_now(), state.webhook_tolerance) {
        Ok(verified) => Ok((body, verified)),
        Err(e) => Err(refuse(state, client, e)),
    }
}

/// Receives a Stripe event. Answers 200 only once the event is recorded (a duplicate also gets
/// 200, with `duplicate: true`); 503 when the database is down, so Stripe retries.
#[utoipa::path(post, path = "/api/webhooks/stripe", tag = "webhooks",
    params(("Stripe-Signature" = String, Header, description = "t=…,v1=… as sent by Stripe")),
    request_body(content = String, content_type = "application/json", description = "The raw Stripe event"),
    responses((status = 200, body = WebhookAck), (status = 400, body = ErrorBody, description = "invalid_signature or invalid_payload"),
        (status = 408, body = ErrorBody, description = "request_timeout: the body did not arrive in time"),
        (status = 413, body = ErrorBody), (status = 429, body = ErrorBody, description = "too_many_failures: a failed delivery from a client that failed too often"),
        (status = 503, body = ErrorBody)))]
pub async fn receive(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let (body, verified) = verified(&state, &req, payload).await?;
    let envelope = parse_envelope(&body).map_err(|_| ApiError::InvalidPayload)?;
    let event_type = envelope.event_type.clone();
    let delivery = envelope.into_delivery(body, verified.secret_index);
    let outcome = state.intake.record(delivery).await?;
    state.metrics.webhooks_verified.with_label_values(&[&verified.secret_index.to_string()]).inc();
    let duplicate = outcome == IntakeOutcome::Duplicate;
    match outcome {
        IntakeOutcome::Duplicate => state.metrics.webhooks_duplicate.with_label_values(&[&event_type]).inc(),
        IntakeOutcome::Recorded => {
            state.metrics.webhooks_received.with_label_values(&[&event_type]).inc();
            state.wake.notify_waiters();
        }
        // Stripe must stop retrying it, but it may never change a plan of this mode.
        IntakeOutcome::IgnoredForMode { expected, received } => {
            state.metrics.webhooks_mode_mismatch.with_label_values(&[received.as_str()]).inc();
            tracing::warn!(event_type = %event_type, expected = expected.as_str(), received = received.as_str(), "webhook of the other Stripe mode ignored");
        }
    }
    tracing::info!(event_type = %event_type, duplicate, secret = verified.secret_index, "webhook recorded");
    Ok(HttpResponse::Ok().json(WebhookAck { received: true, duplicate }))
}
