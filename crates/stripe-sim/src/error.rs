//! Stripe-style error objects: `{"error": {type, code, message, param, ...}}` with Stripe's
//! status codes.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// `error.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    InvalidRequest,
    Card,
    Idempotency,
    Api,
}

impl ErrorType {
    fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request_error",
            Self::Card => "card_error",
            Self::Idempotency => "idempotency_error",
            Self::Api => "api_error",
        }
    }
}

/// An error answer of the simulated API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {message}")]
pub struct ApiError {
    pub status: u16,
    pub error_type: ErrorType,
    pub code: Option<String>,
    pub decline_code: Option<String>,
    pub param: Option<String>,
    pub message: String,
}

impl ApiError {
    fn new(status: u16, error_type: ErrorType, message: impl Into<String>) -> Self {
        Self { status, error_type, code: None, decline_code: None, param: None, message: message.into() }
    }

    /// 400 for a missing or malformed parameter.
    pub fn invalid_param(param: &str, message: impl Into<String>) -> Self {
        let mut error = Self::new(400, ErrorType::InvalidRequest, message);
        error.param = Some(param.to_owned());
        error.code = Some("parameter_invalid".to_owned());
        error
    }

    /// 400 for a body that is not a form Stripe would accept.
    pub fn bad_body(message: impl Into<String>) -> Self {
        Self::new(400, ErrorType::InvalidRequest, message)
    }

    /// 404 `resource_missing` for an id the simulator never issued.
    pub fn missing(resource: &str, param: &str, id: &str) -> Self {
        let mut error = Self::new(404, ErrorType::InvalidRequest, format!("No such {resource}: '{id}'"));
        error.code = Some("resource_missing".to_owned());
        error.param = Some(param.to_owned());
        error
    }

    /// 401 for a request without a secret key.
    pub fn unauthorized() -> Self {
        Self::new(401, ErrorType::InvalidRequest, "You did not provide an API key.")
    }

    /// 400 `idempotency_error`: the key was used before with other parameters.
    pub fn idempotency_mismatch(key: &str) -> Self {
        let message = format!(
            "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
        );
        Self::new(400, ErrorType::Idempotency, message)
    }

    /// 402 `card_declined` with Stripe's decline code.
    pub fn card_declined(decline_code: &str, message: impl Into<String>) -> Self {
        let mut error = Self::new(402, ErrorType::Card, message);
        error.code = Some("card_declined".to_owned());
        error.decline_code = Some(decline_code.to_owned());
        error
    }

    /// 402 for a payment that waits for the customer to authenticate it.
    pub fn requires_action() -> Self {
        let mut error =
            Self::new(402, ErrorType::Card, "This payment requires additional user action before it can be completed successfully.");
        error.code = Some("invoice_payment_intent_requires_action".to_owned());
        error
    }

    /// 400 for a request the object's state does not allow.
    pub fn state(message: impl Into<String>) -> Self {
        Self::new(400, ErrorType::InvalidRequest, message)
    }

    /// The same error with Stripe's `code`.
    #[must_use]
    pub fn with_code(mut self, code: &str) -> Self {
        self.code = Some(code.to_owned());
        self
    }

    /// 500 for a fault of the simulator itself.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, ErrorType::Api, message)
    }

    /// The body Stripe sends: `{"error": {...}}`.
    pub fn body(&self) -> serde_json::Value {
        json!({"error": {
            "type": self.error_type.as_str(),
            "code": self.code,
            "decline_code": self.decline_code,
            "param": self.param,
            "message": self.message,
            "doc_url": self.code.as_ref().map(|code| format!("https://docs.stripe.com/error-codes/{}", code.replace('_', "-"))),
        }})
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_carry_type_code_param_and_message() {
        let body = ApiError::missing("customer", "id", "cus_nope").body();

        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["code"], "resource_missing");
        assert_eq!(body["error"]["param"], "id");
        assert_eq!(body["error"]["message"], "No such customer: 'cus_nope'");
    }

    #[test]
    fn declines_are_card_errors_with_status_402() {
        let error = ApiError::card_declined("insufficient_funds", "Your card has insufficient funds.");

        assert_eq!(error.status_code(), StatusCode::PAYMENT_REQUIRED);
        assert_eq!(error.body()["error"]["decline_code"], "insufficient_funds");
    }
}
