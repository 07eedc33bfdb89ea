use billing_core::ports::{CheckoutRequest, PaymentProvider};
use chrono::DateTime;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const SUCCESS_URL: &str = "https://app.example.com/billing/return?session_id={CHECKOUT_SESSION_ID}";

fn request() -> CheckoutRequest {
    CheckoutRequest {
        org_id: org(),
        customer: customer_id(),
        price: price("price_team_monthly"),
        success_url: SUCCESS_URL.into(),
        cancel_url: "https://app.example.com/billing/cancelled".into(),
        expires_at: DateTime::from_timestamp(1_785_852_005, 0).unwrap(),
    }
}

#[tokio::test]
async fn creating_a_checkout_session_sends_subscription_mode_the_org_everywhere_one_line_item_and_the_expiry() {
    // Arrange
    let server = MockServer::start().await;
    let body = json!({"id": SESSION, "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_a1", "expires_at": 1785852005, "status": "open"});
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let key = key("checkout");

    // Act
    let session = client(&server).create_checkout_session(&request(), &key).await.unwrap();

    // Assert
    assert_eq!(session.id, session_id());
    assert_eq!(session.url, "https://checkout.stripe.com/c/pay/cs_test_a1");
    assert_eq!(session.expires_at, DateTime::from_timestamp(1_785_852_005, 0).unwrap());
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], Some(key.as_str()));
    assert_eq!(
        form(&sent[0]),
        pairs(&[
            ("mode", "subscription"),
            ("customer", CUSTOMER),
            ("client_reference_id", "org_42"),
            ("metadata[org_id]", "org_42"),
            ("line_items[0][price]", "price_team_monthly"),
            ("line_items[0][quantity]", "1"),
            ("success_url", SUCCESS_URL),
            ("cancel_url", "https://app.example.com/billing/cancelled"),
            ("expires_at", "1785852005"),
            ("subscription_data[metadata][org_id]", "org_42"),
        ])
    );
}

#[tokio::test]
async fn a_created_session_without_url_is_an_unexpected_body() {
    let server = MockServer::start().await;
    let body = json!({"id": SESSION, "url": null, "expires_at": 1785852005});
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(body)).mount(&server).await;

    let result = client(&server).create_checkout_session(&request(), &key("c")).await;

    assert!(matches!(result, Err(billing_core::ports::PaymentError::Unknown(_))));
}

#[tokio::test]
async fn retrieving_a_completed_session_reports_it_paid_with_the_org_reference() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/checkout/sessions/{SESSION}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture_object("checkout.session.completed.json")))
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let info = client(&server).retrieve_checkout_session(&session_id()).await.unwrap();

    // Assert
    assert!(info.complete);
    assert!(info.paid);
    assert_eq!(info.customer, Some(customer_id()));
    assert_eq!(info.subscription, Some(sub_id()));
    assert_eq!(info.org_reference.as_deref(), Some("org_42"));
    assert_standard_headers(&requests(&server).await[0], None);
}

#[tokio::test]
async fn an_open_session_is_neither_complete_nor_paid_and_falls_back_to_metadata() {
    let server = MockServer::start().await;
    let body = json!({"id": SESSION, "status": "open", "payment_status": "unpaid", "customer": null, "client_reference_id": null, "metadata": {"org_id": "org_7"}});
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(body)).mount(&server).await;

    let info = client(&server).retrieve_checkout_session(&session_id()).await.unwrap();

    assert!(!info.complete);
    assert!(!info.paid);
    assert_eq!(info.customer, None);
    assert_eq!(info.org_reference.as_deref(), Some("org_7"));
}

#[tokio::test]
async fn an_invalid_client_reference_falls_back_to_the_metadata_org() {
    let server = MockServer::start().await;
    let mut body = fixture_object("checkout.session.completed.json");
    body["client_reference_id"] = json!("not an org id");
    body["metadata"] = json!({"org_id": "org_7"});
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(body)).mount(&server).await;

    let info = client(&server).retrieve_checkout_session(&session_id()).await.unwrap();

    assert_eq!(info.org_reference.as_deref(), Some("org_7"));
}

#[tokio::test]
async fn a_session_naming_no_valid_org_has_no_org_reference() {
    let server = MockServer::start().await;
    let body = json!({"id": SESSION, "status": "open", "client_reference_id": "not an org id", "metadata": {"org_id": "also bad"}});
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(body)).mount(&server).await;

    let info = client(&server).retrieve_checkout_session(&session_id()).await.unwrap();

    assert_eq!(info.org_reference, None);
}

#[tokio::test]
async fn creating_a_portal_session_sends_customer_and_return_url() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/billing_portal/sessions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "bps_1", "url": "https://billing.stripe.com/p/session/test_1"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let key = key("portal");

    // Act
    let portal = client(&server).create_portal_session(&customer_id(), "https://app.example.com/billing", &key).await.unwrap();

    // Assert
    assert_eq!(portal.url, "https://billing.stripe.com/p/session/test_1");
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], Some(key.as_str()));
    assert_eq!(form(&sent[0]), pairs(&[("customer", CUSTOMER), ("return_url", "https://app.example.com/billing")]));
}
