//! Every error the API can answer, mapped to a status and a JSON body in one exhaustive place.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use billing_core::decide::TransitionError;
use billing_core::ports::{LedgerError, PaymentError, RepositoryError};
use billing_core::services::{BillingError, IntakeError};
use billing_stripe::SignatureError;
use serde::Serialize;

use crate::auth::AuthError;
use crate::quote::QuoteError;
use crate::telemetry::cause_chain;

/// An API failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Auth(AuthError),
    #[error(transparent)]
    Billing(#[from] BillingError),
    #[error("invalid webhook signature: {0}")]
    InvalidSignature(SignatureError),
    #[error("the body is not a Stripe event")]
    InvalidPayload,
    #[error("the body is larger than 1 MiB")]
    PayloadTooLarge,
    /// The request body did not arrive within `BODY_READ_TIMEOUT_SECS`.
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("too many failed webhook deliveries from this address")]
    TooManyFailures,
    #[error("webhooks are not configured on this server")]
    WebhooksNotConfigured,
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error("no such route")]
    NotFound,
    /// A plan named by text that cannot be a plan id; answered like an unknown plan.
    #[error("no such plan")]
    MalformedPlan,
    /// The request body or query is not what the endpoint takes.
    #[error("{0}")]
    InvalidRequest(String),
    #[error(transparent)]
    Quote(#[from] QuoteError),
}

/// The body of every error answer.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable snake_case code.
    pub error: &'static str,
    /// A human-readable explanation, safe to show.
    pub message: String,
    /// `checkout_in_progress`: the open session's payment page, to offer it again (EC-18).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkout_url: Option<String>,
    /// `payment_failed` and `payment_requires_action`: where the customer pays the invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosted_invoice_url: Option<String>,
    /// `usage_exceeds_target_plan`: each limit the current usage is over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exceeded: Option<Vec<ExceededLimitDto>>,
}

/// One limit a usage is over.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExceededLimitDto {
    /// `test_runs`, `users` or `projects`.
    pub limit: &'static str,
    pub allowed: u64,
    pub used: u64,
}

impl ErrorBody {
    /// The details some errors carry beside their code.
    fn details(e: &ApiError) -> Self {
        let mut body = Self::default();
        if let ApiError::Billing(BillingError::Transition(TransitionError::CheckoutInProgress { url, .. })) = e {
            body.checkout_url = url.clone();
        }
        if let ApiError::Billing(BillingError::Transition(TransitionError::UsageExceedsTargetPlan { exceeded, .. })) = e {
            let rows = exceeded.iter().map(|x| ExceededLimitDto { limit: x.limit.as_str(), allowed: x.allowed, used: x.used });
            body.exceeded = Some(rows.collect());
        }
        if let ApiError::Billing(BillingError::Payment(
            PaymentError::PaymentFailed { hosted_invoice_url, .. } | PaymentError::PaymentRequiresAction { hosted_invoice_url },
        )) = e
        {
            body.hosted_invoice_url = hosted_invoice_url.clone();
        }
        body
    }
}

/// Status, code and message, chosen without a catch-all so every new variant gets a decision.
fn classify(e: &ApiError) -> (StatusCode, &'static str, String) {
    match e {
        ApiError::Auth(a) => auth(*a),
        ApiError::Billing(b) => billing(b),
        ApiError::InvalidSignature(_) => (StatusCode::BAD_REQUEST, "invalid_signature", "the webhook signature is not valid".into()),
        ApiError::InvalidPayload => (StatusCode::BAD_REQUEST, "invalid_payload", e.to_string()),
        ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", e.to_string()),
        ApiError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout", e.to_string()),
        ApiError::TooManyFailures => (StatusCode::TOO_MANY_REQUESTS, "too_many_failures", e.to_string()),
        ApiError::WebhooksNotConfigured => (StatusCode::SERVICE_UNAVAILABLE, "webhooks_not_configured", e.to_string()),
        ApiError::Intake(IntakeError::Ledger(l)) => ledger(l),
        ApiError::Intake(IntakeError::Repository(r)) => repository(r),
        ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", e.to_string()),
        ApiError::MalformedPlan => (StatusCode::BAD_REQUEST, "unknown_plan", e.to_string()),
        ApiError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request", e.to_string()),
        ApiError::Quote(QuoteError::Invalid) => (StatusCode::BAD_REQUEST, "invalid_quote", e.to_string()),
        ApiError::Quote(QuoteError::Expired) => (StatusCode::CONFLICT, "quote_expired", e.to_string()),
        ApiError::Quote(QuoteError::NotConfigured) => (StatusCode::SERVICE_UNAVAILABLE, "auth_not_configured", e.to_string()),
    }
}

fn auth(a: AuthError) -> (StatusCode, &'static str, String) {
    let status = match a {
        AuthError::Missing | AuthError::Invalid | AuthError::Expired | AuthError::NotRefreshable | AuthError::SessionExpired => {
            StatusCode::UNAUTHORIZED
        }
        AuthError::NotOwner => StatusCode::FORBIDDEN,
        AuthError::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
    };
    let code = match a {
        AuthError::Missing => "missing_token",
        AuthError::Invalid => "invalid_token",
        AuthError::Expired => "token_expired",
        AuthError::NotRefreshable => "token_not_refreshable",
        AuthError::SessionExpired => "session_expired",
        AuthError::NotOwner => "forbidden",
        AuthError::NotConfigured => "auth_not_configured",
    };
    (status, code, a.to_string())
}

fn billing(b: &BillingError) -> (StatusCode, &'static str, String) {
    match b {
        BillingError::Transition(t) => transition(t),
        BillingError::SessionNotOwned => (StatusCode::FORBIDDEN, "session_not_owned", b.to_string()),
        BillingError::NoCustomer => (StatusCode::CONFLICT, "no_billing_account", b.to_string()),
        BillingError::CheckoutIncomplete => (StatusCode::CONFLICT, "checkout_incomplete", b.to_string()),
        BillingError::PaymentRequired => (StatusCode::PAYMENT_REQUIRED, "payment_required", b.to_string()),
        BillingError::QuoteChanged { .. } => (StatusCode::CONFLICT, "quote_changed", b.to_string()),
        BillingError::Payment(p) => payment(p),
        BillingError::Repository(r) => repository(r),
        BillingError::Ledger(l) => ledger(l),
        BillingError::CancelAfterRefund { source, .. } => billing(source),
    }
}

fn transition(t: &TransitionError) -> (StatusCode, &'static str, String) {
    let (status, code) = match t {
        TransitionError::NotAllowed { .. } => (StatusCode::CONFLICT, "invalid_transition"),
        TransitionError::UnknownPrice(_) => (StatusCode::INTERNAL_SERVER_ERROR, "unknown_price"),
        TransitionError::UnknownPlan(_) => (StatusCode::BAD_REQUEST, "unknown_plan"),
        TransitionError::PlanNotPurchasable(_) => (StatusCode::BAD_REQUEST, "plan_not_purchasable"),
        TransitionError::SamePlan(_) => (StatusCode::CONFLICT, "same_plan"),
        TransitionError::AlreadySubscribed { .. } => (StatusCode::CONFLICT, "already_subscribed"),
        TransitionError::CheckoutInProgress { .. } => (StatusCode::CONFLICT, "checkout_in_progress"),
        TransitionError::NoSubscription => (StatusCode::CONFLICT, "no_subscription"),
        TransitionError::NoBillingPeriod => (StatusCode::CONFLICT, "no_billing_period"),
        TransitionError::PlanChangeRateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_plan_changes"),
        TransitionError::NothingScheduled => (StatusCode::CONFLICT, "nothing_scheduled"),
        TransitionError::NotCanceling => (StatusCode::CONFLICT, "not_canceling"),
        TransitionError::UsageExceedsTargetPlan { .. } => (StatusCode::CONFLICT, "usage_exceeds_target_plan"),
        TransitionError::TimerNotDue(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        TransitionError::ChargeNotOwned(_) => (StatusCode::FORBIDDEN, "charge_not_owned"),
        TransitionError::RefundAmountOutOfRange { .. } => (StatusCode::BAD_REQUEST, "refund_amount_out_of_range"),
        TransitionError::NothingToRefund(_) => (StatusCode::CONFLICT, "nothing_to_refund"),
    };
    (status, code, t.to_string())
}

fn payment(p: &PaymentError) -> (StatusCode, &'static str, String) {
    match p {
        PaymentError::CardDeclined { user_message, .. } => {
            (StatusCode::PAYMENT_REQUIRED, "card_declined", user_message.clone().unwrap_or_else(|| "the card was declined".into()))
        }
        PaymentError::PaymentFailed { user_message, .. } => (
            StatusCode::PAYMENT_REQUIRED,
            "payment_failed",
            user_message.clone().unwrap_or_else(|| "the payment for this change failed; the plan was not changed".into()),
        ),
        PaymentError::PaymentRequiresAction { .. } => (
            StatusCode::PAYMENT_REQUIRED,
            "payment_requires_action",
            "the payment for this change needs confirmation; the plan changes once it is paid".into(),
        ),
        PaymentError::InvalidRequest { .. } => (StatusCode::BAD_GATEWAY, "stripe_rejected_request", "Stripe rejected the request".into()),
        PaymentError::NotFound { .. } => (StatusCode::BAD_GATEWAY, "stripe_object_missing", p.to_string()),
        PaymentError::NotConfigured => {
            (StatusCode::SERVICE_UNAVAILABLE, "stripe_not_configured", "Stripe is not configured on this server".into())
        }
        PaymentError::RateLimited => {
            (StatusCode::SERVICE_UNAVAILABLE, "stripe_rate_limited", "billing is busy, try again in a moment".into())
        }
        PaymentError::Timeout => {
            (StatusCode::GATEWAY_TIMEOUT, "stripe_timeout", "Billing service temporarily unavailable, try again".into())
        }
        // The upstream failed after the client's retries: a bad gateway, not our own unavailability.
        PaymentError::Unavailable => {
            (StatusCode::BAD_GATEWAY, "stripe_unavailable", "Billing service temporarily unavailable, try again".into())
        }
        PaymentError::Authentication | PaymentError::PermissionDenied => {
            (StatusCode::BAD_GATEWAY, "stripe_misconfigured", "the server's Stripe credentials were refused".into())
        }
        PaymentError::Unknown(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "unexpected billing error".into()),
    }
}

fn repository(r: &RepositoryError) -> (StatusCode, &'static str, String) {
    match r {
        RepositoryError::VersionConflict { .. } => {
            (StatusCode::CONFLICT, "concurrent_change", "the organization changed meanwhile, try again".into())
        }
        RepositoryError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", r.to_string()),
        RepositoryError::OwnershipConflict => (StatusCode::CONFLICT, "ownership_conflict", r.to_string()),
        RepositoryError::LeaseLost(_) | RepositoryError::Unknown(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "unexpected storage error".into())
        }
        RepositoryError::Unavailable => {
            (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "the database is unavailable, try again".into())
        }
    }
}

fn ledger(l: &LedgerError) -> (StatusCode, &'static str, String) {
    match l {
        LedgerError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", l.to_string()),
        LedgerError::NotReplayable(_) => (StatusCode::CONFLICT, "not_replayable", l.to_string()),
        LedgerError::Unavailable => {
            (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "the database is unavailable, try again".into())
        }
        LedgerError::LeaseLost(_) | LedgerError::Unknown(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "unexpected storage error".into())
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        classify(self).0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code, message) = classify(self);
        if status.is_server_error() {
            // The cause chain goes to the log; the body stays generic.
            tracing::error!(error = %cause_chain(self), code, "request failed");
        }
        let mut response = HttpResponse::build(status);
        if matches!(self, ApiError::RequestTimeout) {
            // The rest of a late body may still be on its way; closing is the only way to stop it.
            response.force_close();
        }
        if let ApiError::Billing(BillingError::Transition(TransitionError::PlanChangeRateLimited { retry_after })) = self {
            let secs = (*retry_after - chrono::Utc::now()).num_seconds().max(1);
            response.insert_header(("Retry-After", secs.to_string()));
        }
        response.json(ErrorBody { error: code, message, ..ErrorBody::details(self) })
    }
}
