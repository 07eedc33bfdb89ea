//! What can go wrong talking to Stripe, and how that maps onto the payment-provider port's errors.

use billing_core::ports::PaymentError;

use crate::convert::ConvertError;
use crate::wire::{ApiErrorBody, ErrorType};

/// Why a Stripe API call failed. Business variants first.
///
/// Every variant built from a failed HTTP response keeps Stripe's `Request-Id`, to quote to
/// support; errors raised while converting a successful response ([`BodyProblem::Convert`]) have
/// none, because the conversion runs on the parsed body after the client has returned it.
/// Stripe's prose `message` is kept only where it is meant for end users (card errors).
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// The card was declined or failed a check (`card_error`, usually HTTP 402).
    #[error("card error ({code})")]
    Card {
        code: String,
        decline_code: Option<String>,
        /// Stripe documents card-error messages as safe to show to the customer.
        user_message: Option<String>,
        request_id: Option<String>,
    },
    /// Stripe rejected the parameters (`invalid_request_error`, HTTP 400 and similar).
    #[error("invalid request (param {param:?}, code {code:?})")]
    InvalidRequest { param: Option<String>, code: Option<String>, request_id: Option<String> },
    /// HTTP 404 for the named kind of object.
    #[error("{resource} not found")]
    NotFound { resource: &'static str, request_id: Option<String> },
    /// HTTP 401: the key is wrong or revoked.
    #[error("authentication with Stripe failed")]
    Authentication { request_id: Option<String> },
    /// HTTP 403: the key lacks a permission.
    #[error("permission denied by Stripe")]
    Permission { request_id: Option<String> },
    /// HTTP 429, still after the retries.
    #[error("rate limited by Stripe")]
    RateLimited { request_id: Option<String> },
    /// The idempotency key was reused with other parameters, or is in use by a concurrent request.
    #[error("idempotency error (HTTP {status})")]
    Idempotency { status: u16, request_id: Option<String> },
    /// A Stripe-side failure (`api_error`, 5xx, 409), still after the retries.
    #[error("Stripe API error (HTTP {status}, code {code:?})")]
    Api { status: u16, code: Option<String>, request_id: Option<String> },
    /// An attempt took longer than the configured timeout, still after the retries.
    #[error("request to Stripe timed out")]
    Timeout,
    /// The connection failed, still after the retries.
    #[error("network error talking to Stripe")]
    Network(#[source] reqwest::Error),
    /// The response body was not JSON of the expected shape (an error page from a proxy, say).
    #[error("unexpected response body (HTTP {status})")]
    UnexpectedBody {
        status: u16,
        request_id: Option<String>,
        #[source]
        problem: BodyProblem,
    },
}

/// What was wrong with a response body.
#[derive(Debug, thiserror::Error)]
pub enum BodyProblem {
    #[error("body is not JSON of the expected shape")]
    Json(#[from] serde_json::Error),
    #[error("body could not be read")]
    Read(#[source] reqwest::Error),
    #[error(transparent)]
    Convert(#[from] ConvertError),
}

impl StripeError {
    /// Stripe's `Request-Id` of the failed response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Card { request_id, .. }
            | Self::InvalidRequest { request_id, .. }
            | Self::NotFound { request_id, .. }
            | Self::Authentication { request_id }
            | Self::Permission { request_id }
            | Self::RateLimited { request_id }
            | Self::Idempotency { request_id, .. }
            | Self::Api { request_id, .. }
            | Self::UnexpectedBody { request_id, .. } => request_id.as_deref(),
            Self::Timeout | Self::Network(_) => None,
        }
    }

    /// A response of the right status whose body we could not turn into domain values.
    pub(crate) fn conversion(problem: ConvertError) -> Self {
        Self::UnexpectedBody { status: 200, request_id: None, problem: BodyProblem::Convert(problem) }
    }
}

/// The error a status decides on its own, whatever the body holds.
///
/// Proxies and load balancers answer these statuses with empty or HTML bodies too, and the
/// caller must still see "bad key" or "slow down" rather than an unreadable response.
fn decided_by_status(status: u16, request_id: Option<&str>, resource: &'static str) -> Option<StripeError> {
    let request_id = request_id.map(str::to_owned);
    match status {
        401 => Some(StripeError::Authentication { request_id }),
        403 => Some(StripeError::Permission { request_id }),
        404 => Some(StripeError::NotFound { resource, request_id }),
        429 => Some(StripeError::RateLimited { request_id }),
        _ => None,
    }
}

/// The error for a non-2xx response: the status decides first, then Stripe's `error.type`.
pub(crate) fn from_response(status: u16, body: &[u8], request_id: Option<String>, resource: &'static str) -> StripeError {
    if let Some(error) = decided_by_status(status, request_id.as_deref(), resource) {
        return error;
    }
    let details = match serde_json::from_slice::<ApiErrorBody>(body) {
        Ok(parsed) => parsed.error,
        Err(error) => return StripeError::UnexpectedBody { status, request_id, problem: BodyProblem::Json(error) },
    };
    match details.error_type {
        Some(ErrorType::CardError) => StripeError::Card {
            code: details.code.unwrap_or_else(|| "card_error".to_owned()),
            decline_code: details.decline_code,
            user_message: details.message,
            request_id,
        },
        Some(ErrorType::IdempotencyError) => StripeError::Idempotency { status, request_id },
        Some(ErrorType::InvalidRequestError) => StripeError::InvalidRequest { param: details.param, code: details.code, request_id },
        Some(ErrorType::ApiError) => StripeError::Api { status, code: details.code, request_id },
        Some(ErrorType::Other(_)) | None if is_server_side(status) => StripeError::Api { status, code: details.code, request_id },
        Some(ErrorType::Other(_)) | None => StripeError::InvalidRequest { param: details.param, code: details.code, request_id },
    }
}

/// The error for a response whose body could not be read: the status still decides where it
/// can, so an unreadable 401 is an authentication failure like a readable one.
pub(crate) fn unreadable(status: u16, request_id: Option<String>, resource: &'static str, error: reqwest::Error) -> StripeError {
    if let Some(decided) = decided_by_status(status, request_id.as_deref(), resource) {
        return decided;
    }
    if error.is_timeout() {
        return StripeError::Timeout;
    }
    StripeError::UnexpectedBody { status, request_id, problem: BodyProblem::Read(error) }
}

/// A status that means Stripe's side failed or is busy (5xx), or that a concurrent request
/// holds the same idempotency key (409): trying again later may succeed.
fn is_server_side(status: u16) -> bool {
    status == 409 || status >= 500
}

impl From<StripeError> for PaymentError {
    fn from(error: StripeError) -> Self {
        match error {
            StripeError::Card { code, decline_code, user_message, .. } => PaymentError::CardDeclined { code, decline_code, user_message },
            StripeError::InvalidRequest { param, code, .. } => PaymentError::InvalidRequest { param, code },
            StripeError::NotFound { resource, .. } => PaymentError::NotFound { resource: resource.to_owned() },
            StripeError::Authentication { .. } => PaymentError::Authentication,
            StripeError::Permission { .. } => PaymentError::PermissionDenied,
            StripeError::RateLimited { .. } => PaymentError::RateLimited,
            StripeError::Api { .. } | StripeError::Network(_) => PaymentError::Unavailable,
            StripeError::Timeout => PaymentError::Timeout,
            // A 409 idempotency error means a request with the same key is still in flight.
            StripeError::Idempotency { status: 409, .. } => PaymentError::Unavailable,
            StripeError::UnexpectedBody { status, .. } if is_server_side(status) => PaymentError::Unavailable,
            error @ (StripeError::Idempotency { .. } | StripeError::UnexpectedBody { .. }) => {
                let request_id = error.request_id().unwrap_or("none").to_owned();
                PaymentError::Unknown(anyhow::Error::new(error).context(format!("Stripe request {request_id}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_map_by_status_then_type() {
        let card = br#"{"error": {"type": "card_error", "code": "card_declined", "decline_code": "lost_card"}}"#;
        let invalid = br#"{"error": {"type": "invalid_request_error", "param": "customer"}}"#;
        let idempotency = br#"{"error": {"type": "idempotency_error"}}"#;
        let unknown_type = br#"{"error": {"type": "brand_new_error"}}"#;

        assert!(matches!(from_response(402, card, None, "x"), StripeError::Card { ref code, .. } if code == "card_declined"));
        assert!(
            matches!(from_response(400, invalid, None, "x"), StripeError::InvalidRequest { param: Some(ref p), .. } if p == "customer")
        );
        assert!(matches!(from_response(404, invalid, None, "customer"), StripeError::NotFound { resource: "customer", .. }));
        assert!(matches!(from_response(401, invalid, None, "x"), StripeError::Authentication { .. }));
        assert!(matches!(from_response(403, invalid, None, "x"), StripeError::Permission { .. }));
        assert!(matches!(from_response(429, invalid, None, "x"), StripeError::RateLimited { .. }));
        assert!(matches!(from_response(400, idempotency, None, "x"), StripeError::Idempotency { status: 400, .. }));
        assert!(matches!(from_response(503, unknown_type, None, "x"), StripeError::Api { status: 503, .. }));
        assert!(matches!(from_response(400, unknown_type, None, "x"), StripeError::InvalidRequest { .. }));
    }

    #[test]
    fn non_json_error_bodies_are_unexpected_and_keep_the_request_id() {
        let error = from_response(502, b"<html>Bad gateway</html>", Some("req_9".into()), "x");

        assert!(matches!(error, StripeError::UnexpectedBody { status: 502, problem: BodyProblem::Json(_), .. }));
        assert_eq!(error.request_id(), Some("req_9"));
    }

    #[test]
    fn card_errors_keep_codes_and_the_user_safe_message() {
        let error = StripeError::Card {
            code: "card_declined".into(),
            decline_code: Some("insufficient_funds".into()),
            user_message: Some("Your card has insufficient funds.".into()),
            request_id: Some("req_1".into()),
        };

        let mapped = PaymentError::from(error);

        assert!(matches!(
            mapped,
            PaymentError::CardDeclined { ref code, decline_code: Some(ref d), user_message: Some(_) }
                if code == "card_declined" && d == "insufficient_funds"
        ));
    }

    #[test]
    fn transient_failures_stay_transient_through_the_port() {
        assert!(PaymentError::from(StripeError::Timeout).is_transient());
        assert!(PaymentError::from(StripeError::RateLimited { request_id: None }).is_transient());
        assert!(PaymentError::from(StripeError::Api { status: 503, code: None, request_id: None }).is_transient());
        assert!(!PaymentError::from(StripeError::Authentication { request_id: None }).is_transient());
    }

    #[test]
    fn decisive_statuses_map_by_status_even_without_a_json_body() {
        for body in [&b""[..], b"<html><body>Too Many Requests</body></html>"] {
            assert!(matches!(from_response(401, body, None, "x"), StripeError::Authentication { .. }));
            assert!(matches!(from_response(403, body, None, "x"), StripeError::Permission { .. }));
            assert!(matches!(from_response(404, body, None, "customer"), StripeError::NotFound { resource: "customer", .. }));
            assert!(
                matches!(from_response(429, body, Some("req_7".into()), "x"), StripeError::RateLimited { request_id: Some(ref r) } if r == "req_7")
            );
        }
    }

    #[test]
    fn non_json_bodies_of_other_statuses_stay_unexpected() {
        assert!(matches!(
            from_response(400, b"", None, "x"),
            StripeError::UnexpectedBody { status: 400, problem: BodyProblem::Json(_), .. }
        ));
        assert!(matches!(from_response(409, b"<html/>", None, "x"), StripeError::UnexpectedBody { status: 409, .. }));
    }

    fn unexpected(status: u16) -> StripeError {
        let problem = BodyProblem::Json(serde_json::from_slice::<serde_json::Value>(b"<html>").unwrap_err());
        StripeError::UnexpectedBody { status, request_id: Some("req_abc".into()), problem }
    }

    #[test]
    fn unexpected_server_side_bodies_and_in_flight_key_conflicts_are_unavailable() {
        for status in [409, 500, 502, 503] {
            assert!(matches!(PaymentError::from(unexpected(status)), PaymentError::Unavailable), "{status}");
        }
        let in_flight = StripeError::Idempotency { status: 409, request_id: None };

        assert!(matches!(PaymentError::from(in_flight), PaymentError::Unavailable));
    }

    #[test]
    fn other_unexpected_bodies_and_reused_keys_become_unknown_errors_naming_the_request() {
        let reused_key = StripeError::Idempotency { status: 400, request_id: Some("req_key".into()) };

        assert!(matches!(PaymentError::from(unexpected(200)), PaymentError::Unknown(ref e) if format!("{e:#}").contains("req_abc")));
        assert!(matches!(PaymentError::from(unexpected(400)), PaymentError::Unknown(_)));
        assert!(matches!(PaymentError::from(reused_key), PaymentError::Unknown(ref e) if format!("{e:#}").contains("req_key")));
    }
}
