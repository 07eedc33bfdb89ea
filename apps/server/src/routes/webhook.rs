//! The Stripe webhook endpoint: verify, record durably, acknowledge; workers apply later.

use std::time::Instant;

use actix_web::{web, HttpRequest, HttpResponse};
use billing_core::ports::RecordOutcome;
use billing_stripe::{parse_envelope, verify_signature, SignatureError};
use futures_util::StreamExt;

use crate::dto::WebhookAck;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Stripe's payloads are far smaller; anything larger is refused before verification. The raw
/// stream is read by hand so an oversized body gets our JSON error rather than actix's bare 413.
pub const MAX_BODY: usize = 1 << 20;

async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let declared =
        req.headers().get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::InvalidPayload)?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A short, stable label for a failed check, for metrics and logs.
fn reason(e: &SignatureError) -> &'static str {
    match e {
        SignatureError::MissingHeader => "missing_header",
        SignatureError::MalformedHeader => "malformed_header",
        SignatureError::NoTimestamp => "no_timestamp",
        SignatureError::NoV1Signature => "no_v1_signature",
        SignatureError::BadHex => "bad_hex",
        SignatureError::NoSecrets => "no_secrets",
        SignatureError::NoMatchingSignature => "no_matching_signature",
        SignatureError::TimestampOutsideTolerance { .. } => "timestamp_outside_tolerance",
    }
}

/// Receives a Stripe event. Answers 200 only once the event is recorded (a duplicate also gets
/// 200, with `duplicate: true`); 503 when the database is down, so Stripe retries.
#[utoipa::path(post, path = "/api/webhooks/stripe", tag = "webhooks",
    params(("Stripe-Signature" = String, Header, description = "t=…,v1=… as sent by Stripe")),
    request_body(content = String, content_type = "application/json", description = "The raw Stripe event"),
    responses((status = 200, body = WebhookAck), (status = 400, body = ErrorBody, description = "invalid_signature or invalid_payload"),
        (status = 413, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn receive(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let peer = req.peer_addr().map(|a| a.ip());
    if peer.is_some_and(|ip| state.failures.is_blocked(ip, Instant::now())) {
        return Err(ApiError::TooManyFailures);
    }
    if state.webhook_secrets.is_empty() {
        return Err(ApiError::WebhooksNotConfigured);
    }
    let body = read_body(&req, payload).await?;
    let header = req.headers().get("Stripe-Signature").and_then(|h| h.to_str().ok());
    let verified = match verify_signature(&body, header, &state.webhook_secrets, state.clock_now(), state.webhook_tolerance) {
        Ok(v) => v,
        Err(e) => {
            let why = reason(&e);
            state.metrics.webhooks_invalid_signature.with_label_values(&[why]).inc();
            tracing::warn!(reason = why, peer = ?peer, "webhook signature rejected");
            if let Some(ip) = peer {
                state.failures.record_failure(ip, Instant::now());
            }
            return Err(ApiError::InvalidSignature(e));
        }
    };
    let envelope = parse_envelope(&body).map_err(|_| ApiError::InvalidPayload)?;
    let event_type = envelope.event_type.clone();
    let delivery = envelope.into_delivery(body, verified.secret_index);
    let outcome = state.intake.record(delivery).await?;
    let duplicate = outcome == RecordOutcome::Duplicate;
    if duplicate {
        state.metrics.webhooks_duplicate.with_label_values(&[&event_type]).inc();
    } else {
        state.metrics.webhooks_received.with_label_values(&[&event_type]).inc();
        state.wake.notify_waiters();
    }
    tracing::info!(event_type = %event_type, duplicate, secret = verified.secret_index, "webhook recorded");
    Ok(HttpResponse::Ok().json(WebhookAck { received: true, duplicate }))
}
