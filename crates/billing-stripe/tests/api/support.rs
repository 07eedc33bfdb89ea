//! Shared helpers: a client pointed at wiremock, fixture objects and request inspection.

use std::path::PathBuf;
use std::time::Duration;

use billing_core::{CheckoutSessionId, IdempotencyKey, OrgId, StripeCustomerId, StripePriceId, StripeSubscriptionId};
use billing_stripe::{SecretString, StripeClient, StripeConfig};
use serde_json::Value;
use wiremock::{MockServer, Request};

pub const API_KEY: &str = "sk_test_fixture_key";
pub const VERSION: &str = "2026-10-28.endive";
pub const SUB: &str = "sub_test_1RvK8mQ2bT7xZqLm";
pub const ITEM: &str = "si_test_S3kd9QmW2xPzTm";
pub const CUSTOMER: &str = "cus_test_Pq7Yb2WmXc41Ka";
pub const SESSION: &str = "cs_test_a1Qm7Zp2Lx9Vb4Nc6Kd8Rf0Tg3Hj5Wy7Eu1Io3Sa5Df7Gh9Jk";

/// Test settings: tiny backoffs so retries are quick, two retries, a generous timeout.
pub fn config(server: &MockServer) -> StripeConfig {
    config_at(server.uri())
}

/// [`config`] for a server other than wiremock.
pub fn config_at(base_url: String) -> StripeConfig {
    let mut config = StripeConfig::new(SecretString::from(API_KEY)).with_base_url(base_url);
    config.max_retries = 2;
    config.backoff_base = Duration::from_millis(1);
    config.backoff_cap = Duration::from_millis(5);
    config.max_retry_elapsed = Duration::from_secs(30);
    config.connect_timeout = Duration::from_secs(2);
    config.total_timeout = Duration::from_secs(5);
    config
}

pub fn client(server: &MockServer) -> StripeClient {
    StripeClient::new(config(server)).unwrap()
}

pub fn org() -> OrgId {
    OrgId::parse("org_42").unwrap()
}

pub fn key(detail: &str) -> IdempotencyKey {
    IdempotencyKey::for_operation("test", &org(), 7, detail)
}

pub fn sub_id() -> StripeSubscriptionId {
    StripeSubscriptionId::parse(SUB).unwrap()
}

pub fn customer_id() -> StripeCustomerId {
    StripeCustomerId::parse(CUSTOMER).unwrap()
}

pub fn session_id() -> CheckoutSessionId {
    CheckoutSessionId::parse(SESSION).unwrap()
}

pub fn price(raw: &str) -> StripePriceId {
    StripePriceId::parse(raw).unwrap()
}

/// `data.object` of a fixture event, as an API response body.
pub fn fixture_object(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stripe").join(file);
    let event: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    event["data"]["object"].clone()
}

/// A whole fixture event as JSON.
pub fn fixture_event(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stripe").join(file);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The subscription after the upgrade to `price_business_monthly`, as the API returns it.
pub fn subscription() -> Value {
    fixture_object("customer.subscription.updated.plan_change.json")
}

/// Every request the server saw, in order.
pub async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

/// The form body of a request as sorted `(name, value)` pairs.
pub fn form(request: &Request) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(&request.body).into_owned().collect();
    pairs.sort();
    pairs
}

/// The query of a request as sorted `(name, value)` pairs.
pub fn query(request: &Request) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    pairs.sort();
    pairs
}

/// Sorted owned pairs from literals.
pub fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = raw.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    pairs.sort();
    pairs
}

pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|value| value.to_str().ok())
}

/// Auth and version on every request; on POSTs the form content type and `key`.
pub fn assert_standard_headers(request: &Request, idempotency_key: Option<&str>) {
    assert_eq!(header(request, "authorization"), Some(format!("Bearer {API_KEY}").as_str()));
    assert_eq!(header(request, "stripe-version"), Some(VERSION));
    assert_eq!(header(request, "idempotency-key"), idempotency_key);
    if request.method.as_str() == "POST" {
        assert_eq!(header(request, "content-type"), Some("application/x-www-form-urlencoded"));
    }
}

/// A Stripe error body.
pub fn error_body(error_type: &str, code: Option<&str>) -> Value {
    serde_json::json!({"error": {"type": error_type, "code": code, "message": "Prose that tests never assert."}})
}

/// The upgrade to `price_business_monthly` the price-change tests send.
pub fn change() -> billing_core::ports::PriceChange {
    billing_core::ports::PriceChange {
        customer: customer_id(),
        subscription: sub_id(),
        price: price("price_business_monthly"),
        proration_date: chrono::DateTime::from_timestamp(1_789_899_000, 0).unwrap(),
    }
}
