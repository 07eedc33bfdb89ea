use billing_core::ports::ManualClock;
use billing_core::{Notice, OrgId};
use chrono::DateTime;
use wiremock::matchers::{header, header_exists, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

fn item() -> OutboxItem {
    let org = OrgId::parse("org_9").unwrap_or_else(|e| panic!("{e}"));
    OutboxItem { id: 7, org_id: org, notice: Notice::PaymentActionRequired, attempts: 0 }
}

fn notifier(url: String, secret: Option<&str>) -> WebhookNotifier {
    let clock = Arc::new(ManualClock::new(DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default()));
    WebhookNotifier::new(SecretString::from(url), secret.map(SecretString::from), clock).unwrap_or_else(|e| panic!("{e}"))
}

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(status)).mount(&server).await;
    server
}

#[tokio::test]
async fn a_signed_delivery_carries_the_id_and_a_signature_over_the_exact_body() {
    let server = receiver(200).await;
    notifier(server.uri(), Some("nsec_1")).notify(&item()).await.unwrap_or_else(|e| panic!("{e}"));
    let requests = server.received_requests().await.unwrap_or_default();
    let request = &requests[0];
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
    assert_eq!(body, serde_json::json!({"id": "notice_7", "organization_id": "org_9", "notice": {"kind": "payment_action_required"}}));
    let signature = request.headers.get("Billing-Signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(Some(signature.to_owned()), sign(&SecretString::from("nsec_1"), 1_795_000_000, &request.body));
    assert!(signature.starts_with("t=1795000000,v1="), "{signature}");
}

#[tokio::test]
async fn without_a_secret_the_delivery_is_not_signed() {
    let server = MockServer::start().await;
    Mock::given(header_exists("Billing-Signature")).respond_with(ResponseTemplate::new(500)).with_priority(1).mount(&server).await;
    Mock::given(header("Billing-Notice-Id", "notice_7")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    assert!(notifier(server.uri(), None).notify(&item()).await.is_ok());
}

#[tokio::test]
async fn server_errors_throttling_and_timeouts_are_retried_other_refusals_are_reported() {
    for status in [500, 503, 429, 408] {
        let result = notifier(receiver(status).await.uri(), None).notify(&item()).await;
        assert!(matches!(result, Err(NotifyError::Unavailable)), "{status}: {result:?}");
    }
    for status in [301, 302, 307, 400, 401, 404, 410] {
        let result = notifier(receiver(status).await.uri(), None).notify(&item()).await;
        assert!(matches!(result, Err(NotifyError::Unknown(_))), "{status}: {result:?}");
    }
}

#[tokio::test]
async fn an_unreachable_receiver_is_unavailable() {
    // A port that was just free: nothing listens on it once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(9);
    let result = notifier(format!("http://127.0.0.1:{port}/hook"), None).notify(&item()).await;
    assert!(matches!(result, Err(NotifyError::Unavailable)), "{result:?}");
}

#[test]
fn debug_output_hides_the_url_and_the_secret() {
    let shown = format!("{:?}", notifier("https://hooks.example/T0KEN".into(), Some("nsec_hidden")));
    assert!(!shown.contains("T0KEN") && !shown.contains("nsec_hidden"), "{shown}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_the_signed_body_stays_with_the_receiver() {
    let elsewhere = receiver(200).await;
    let server = MockServer::start().await;
    let moved = ResponseTemplate::new(307).insert_header("Location", format!("{}/stolen", elsewhere.uri()));
    Mock::given(method("POST")).respond_with(moved).mount(&server).await;
    let result = notifier(server.uri(), Some("nsec_1")).notify(&item()).await;
    assert!(matches!(result, Err(NotifyError::Unknown(_))), "{result:?}");
    assert!(elsewhere.received_requests().await.unwrap_or_default().is_empty(), "nothing reached the other host");
}
