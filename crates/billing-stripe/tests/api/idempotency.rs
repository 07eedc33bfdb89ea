//! The installation's prefix on `Idempotency-Key`.

use billing_core::ports::PaymentProvider;
use billing_stripe::{ConfigError, StripeClient};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const INSTALLATION: &str = "5f0c9a7e2b4d4c1e8a3f6b2d9e7c1a04";

async fn server() -> MockServer {
    let server = MockServer::start().await;
    let conflict = ResponseTemplate::new(409).set_body_json(error_body("idempotency_error", None));
    Mock::given(method("POST")).respond_with(conflict).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": CUSTOMER}))).mount(&server).await;
    server
}

#[tokio::test]
async fn with_a_prefix_every_attempt_sends_the_prefixed_key() {
    // Arrange
    let server = server().await;
    let client = StripeClient::new(config(&server).with_idempotency_prefix(INSTALLATION)).unwrap();
    let key = key("customer");

    // Act
    client.create_customer(&org(), None, &key).await.unwrap();

    // Assert
    let sent = requests(&server).await;
    let expected = format!("{INSTALLATION}:{}", key.as_str());
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_standard_headers(request, Some(expected.as_str()));
        assert!(expected.len() <= 255);
    }
}

#[tokio::test]
async fn without_a_prefix_the_key_is_sent_unchanged() {
    let server = server().await;
    let key = key("customer");

    client(&server).create_customer(&org(), None, &key).await.unwrap();

    let sent = requests(&server).await;
    assert!(sent.iter().all(|request| header(request, "idempotency-key") == Some(key.as_str())));
}

#[tokio::test]
async fn gets_carry_no_key_even_with_a_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": CUSTOMER}))).mount(&server).await;
    let client = StripeClient::new(config(&server).with_idempotency_prefix(INSTALLATION)).unwrap();

    client.customers_retrieve(&customer_id()).await.unwrap();

    assert_standard_headers(&requests(&server).await[0], None);
}

#[tokio::test]
async fn a_prefix_that_cannot_go_into_a_header_or_is_too_long_is_refused() {
    let server = MockServer::start().await;

    for prefix in [String::new(), "two words".to_owned(), "x".repeat(billing_stripe::MAX_IDEMPOTENCY_PREFIX_LEN + 1)] {
        let outcome = StripeClient::new(config(&server).with_idempotency_prefix(prefix.clone()));

        assert!(matches!(outcome, Err(ConfigError::BadIdempotencyPrefix)), "{prefix:?}");
    }
}
