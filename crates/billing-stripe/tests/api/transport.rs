use std::time::Duration;

use billing_stripe::{ConfigError, SecretString, StripeClient, StripeConfig, StripeError};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::matrix::{operations, Op};
use crate::support::*;

/// Mounts `response` for the operation's method and path, at most `times` times if given.
async fn mount(server: &MockServer, op: &Op, response: ResponseTemplate, times: Option<u64>) {
    let mock = Mock::given(method(op.method)).and(path(op.path.as_str())).respond_with(response);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

/// Runs the operation against a fresh server prepared by `arrange`, returning its outcome and requests.
async fn run_op<F, Fut>(
    op: &Op,
    config: impl Fn(&MockServer) -> StripeConfig,
    arrange: F,
) -> (Result<(), StripeError>, Vec<wiremock::Request>)
where
    F: Fn(MockServer) -> Fut,
    Fut: std::future::Future<Output = MockServer>,
{
    let server = arrange(MockServer::start().await).await;
    let client = StripeClient::new(config(&server)).unwrap();
    let outcome = (op.run)(client).await;
    let sent = requests(&server).await;
    (outcome, sent)
}

#[tokio::test]
async fn every_operation_sends_its_method_path_auth_version_and_key_and_reads_the_body() {
    for op in operations() {
        let (outcome, sent) = run_op(&op, config, |server| async {
            mount(&server, &op, ResponseTemplate::new(200).set_body_json(op.ok_body.clone()), None).await;
            server
        })
        .await;

        assert!(outcome.is_ok(), "{}: {outcome:?}", op.name);
        assert_eq!(sent.len(), 1, "{}", op.name);
        assert_eq!(sent[0].method.as_str(), op.method, "{}", op.name);
        assert_eq!(sent[0].url.path(), op.path, "{}", op.name);
        assert_standard_headers(&sent[0], op.key);
    }
}

#[tokio::test]
async fn every_operation_reports_a_card_error_with_its_codes_and_does_not_retry() {
    for op in operations() {
        let body = json!({"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds", "message": "Shown to the customer."}});
        let (outcome, sent) = run_op(&op, config, |server| async {
            mount(&server, &op, ResponseTemplate::new(402).set_body_json(body.clone()).insert_header("Request-Id", "req_card"), None).await;
            server
        })
        .await;

        match outcome {
            Err(StripeError::Card { code, decline_code, user_message, request_id }) => {
                assert_eq!(code, "card_declined", "{}", op.name);
                assert_eq!(decline_code.as_deref(), Some("insufficient_funds"), "{}", op.name);
                assert!(user_message.is_some(), "{}", op.name);
                assert_eq!(request_id.as_deref(), Some("req_card"), "{}", op.name);
            }
            other => panic!("{}: expected a card error, got {other:?}", op.name),
        }
        assert_eq!(sent.len(), 1, "{}", op.name);
    }
}

#[tokio::test]
async fn every_operation_succeeds_after_a_429_reusing_the_same_idempotency_key() {
    for op in operations() {
        let (outcome, sent) = run_op(&op, config, |server| async {
            mount(&server, &op, ResponseTemplate::new(429).set_body_json(error_body("invalid_request_error", Some("rate_limit"))), Some(1))
                .await;
            mount(&server, &op, ResponseTemplate::new(200).set_body_json(op.ok_body.clone()), None).await;
            server
        })
        .await;

        assert!(outcome.is_ok(), "{}: {outcome:?}", op.name);
        assert_eq!(sent.len(), 2, "{}", op.name);
        for request in &sent {
            assert_standard_headers(request, op.key);
        }
    }
}

#[tokio::test]
async fn every_operation_gives_up_after_repeated_500s() {
    for op in operations() {
        let (outcome, sent) = run_op(&op, config, |server| async {
            mount(
                &server,
                &op,
                ResponseTemplate::new(500).set_body_json(error_body("api_error", None)).insert_header("Request-Id", "req_500"),
                None,
            )
            .await;
            server
        })
        .await;

        assert!(matches!(outcome, Err(StripeError::Api { status: 500, .. })), "{}: {outcome:?}", op.name);
        assert_eq!(outcome.as_ref().err().and_then(StripeError::request_id), Some("req_500"), "{}", op.name);
        assert_eq!(sent.len(), 3, "{}: one attempt and two retries", op.name);
        assert!(sent.iter().all(|r| r.headers.get("idempotency-key").and_then(|v| v.to_str().ok()) == op.key), "{}", op.name);
    }
}

fn short_timeout(server: &MockServer) -> StripeConfig {
    let mut config = config(server);
    config.total_timeout = Duration::from_millis(50);
    config.max_retries = 1;
    config
}

#[tokio::test]
async fn every_operation_times_out_and_retries_a_bounded_number_of_times() {
    for op in operations() {
        let (outcome, sent) = run_op(&op, short_timeout, |server| async {
            let slow = ResponseTemplate::new(200).set_body_json(op.ok_body.clone()).set_delay(Duration::from_millis(400));
            mount(&server, &op, slow, None).await;
            server
        })
        .await;

        assert!(matches!(outcome, Err(StripeError::Timeout)), "{}: {outcome:?}", op.name);
        assert_eq!(sent.len(), 2, "{}", op.name);
    }
}

#[tokio::test]
async fn every_operation_reports_a_non_json_500_body_as_unexpected() {
    for op in operations() {
        let (outcome, sent) = run_op(&op, config, |server| async {
            let html = ResponseTemplate::new(500)
                .set_body_string("<html><body>upstream error</body></html>")
                .insert_header("Request-Id", "req_html");
            mount(&server, &op, html, None).await;
            server
        })
        .await;

        assert!(matches!(outcome, Err(StripeError::UnexpectedBody { status: 500, .. })), "{}: {outcome:?}", op.name);
        assert_eq!(outcome.as_ref().err().and_then(StripeError::request_id), Some("req_html"), "{}", op.name);
        assert_eq!(sent.len(), 3, "{}", op.name);
    }
}

#[tokio::test]
async fn an_invalid_request_is_not_retried_and_names_the_param() {
    let server = MockServer::start().await;
    let body = json!({"error": {"type": "invalid_request_error", "code": "parameter_missing", "param": "customer"}});
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(400).set_body_json(body)).mount(&server).await;

    let outcome = client(&server).customers_create(&org(), None, "k").await;

    assert!(
        matches!(outcome, Err(StripeError::InvalidRequest { param: Some(ref p), code: Some(ref c), .. }) if p == "customer" && c == "parameter_missing")
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn stripe_should_retry_false_stops_retries_of_a_server_error() {
    let server = MockServer::start().await;
    let response = ResponseTemplate::new(503).set_body_json(error_body("api_error", None)).insert_header("Stripe-Should-Retry", "false");
    Mock::given(method("GET")).respond_with(response).mount(&server).await;

    let outcome = client(&server).customers_retrieve(&customer_id()).await;

    assert!(matches!(outcome, Err(StripeError::Api { status: 503, .. })));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn stripe_should_retry_true_retries_even_a_client_error() {
    let server = MockServer::start().await;
    let busy = ResponseTemplate::new(400)
        .set_body_json(error_body("invalid_request_error", Some("lock_timeout")))
        .insert_header("Stripe-Should-Retry", "true");
    Mock::given(method("GET")).respond_with(busy).up_to_n_times(1).mount(&server).await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": CUSTOMER}))).mount(&server).await;

    let outcome = client(&server).customers_retrieve(&customer_id()).await;

    assert!(outcome.is_ok());
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_conflict_is_retried_with_the_same_key() {
    let server = MockServer::start().await;
    let conflict = ResponseTemplate::new(409).set_body_json(error_body("idempotency_error", None));
    Mock::given(method("POST")).respond_with(conflict).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": CUSTOMER}))).mount(&server).await;

    client(&server).customers_create(&org(), None, "same-key").await.unwrap();

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|r| header(r, "idempotency-key") == Some("same-key")));
}

#[tokio::test]
async fn auth_permission_and_missing_objects_map_to_their_own_errors() {
    type Expected = fn(&StripeError) -> bool;
    let cases: [(u16, Expected); 3] = [
        (401, |e| matches!(e, StripeError::Authentication { .. })),
        (403, |e| matches!(e, StripeError::Permission { .. })),
        (404, |e| matches!(e, StripeError::NotFound { resource: "customer", .. })),
    ];
    for (status, expected) in cases {
        let server = MockServer::start().await;
        let body = error_body("invalid_request_error", None);
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(status).set_body_json(body)).mount(&server).await;

        let outcome = client(&server).customers_retrieve(&customer_id()).await;

        assert!(outcome.as_ref().is_err_and(expected), "{status}: {outcome:?}");
        assert_eq!(requests(&server).await.len(), 1, "{status}");
    }
}

#[tokio::test]
async fn rate_limits_that_persist_are_reported_as_such() {
    let server = MockServer::start().await;
    let body = error_body("invalid_request_error", Some("rate_limit"));
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(429).set_body_json(body)).mount(&server).await;

    let outcome = client(&server).customers_retrieve(&customer_id()).await;

    assert!(matches!(outcome, Err(StripeError::RateLimited { .. })));
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error_after_the_retries() {
    // Arrange: a port that was just free, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = StripeConfig::new(SecretString::from(API_KEY)).with_base_url(format!("http://127.0.0.1:{port}"));
    let config = StripeConfig { max_retries: 1, backoff_base: Duration::from_millis(1), backoff_cap: Duration::from_millis(1), ..config };

    // Act
    let outcome = StripeClient::new(config).unwrap().customers_retrieve(&customer_id()).await;

    // Assert
    assert!(matches!(outcome, Err(StripeError::Network(_))), "{outcome:?}");
}

#[tokio::test]
async fn a_client_needs_a_key_and_an_http_base_url() {
    let empty = StripeConfig::new(SecretString::from(""));
    let ftp = StripeConfig::new(SecretString::from(API_KEY)).with_base_url("ftp://example.com");

    assert!(matches!(StripeClient::new(empty), Err(ConfigError::EmptyApiKey)));
    assert!(matches!(StripeClient::new(ftp), Err(ConfigError::BadBaseUrl)));
}

#[tokio::test]
async fn the_client_never_prints_its_key() {
    let server = MockServer::start().await;

    let printed = format!("{:?}", client(&server));

    assert!(!printed.contains(API_KEY));
}
