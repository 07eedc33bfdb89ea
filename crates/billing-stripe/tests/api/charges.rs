use billing_core::ports::{PaymentError, PaymentProvider};
use billing_core::StripeChargeId;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const CHARGE: &str = "ch_test_3S0aLw6Sep2026Gh";

async fn serve_charge(server: &MockServer, status: u16, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(format!("/v1/charges/{CHARGE}")))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_customer_of_a_charge_is_read_from_the_charge() {
    // Arrange
    let server = MockServer::start().await;
    serve_charge(&server, 200, fixture_object("charge.refunded.json")).await;

    // Act
    let customer = client(&server).retrieve_charge(&StripeChargeId::parse(CHARGE).unwrap()).await.unwrap().customer;

    // Assert
    assert_eq!(customer, Some(customer_id()));
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], None);
    assert!(query(&sent[0]).is_empty());
}

#[tokio::test]
async fn a_guest_charge_has_no_customer_and_an_unknown_one_is_not_found() {
    let server = MockServer::start().await;
    serve_charge(&server, 200, json!({"id": CHARGE, "object": "charge", "currency": "usd", "customer": null})).await;
    let id = StripeChargeId::parse(CHARGE).unwrap();
    assert_eq!(client(&server).retrieve_charge(&id).await.unwrap().customer, None);

    let missing = MockServer::start().await;
    serve_charge(&missing, 404, error_body("invalid_request_error", Some("resource_missing"))).await;
    assert!(matches!(client(&missing).retrieve_charge(&id).await, Err(PaymentError::NotFound { .. })));
}

#[tokio::test]
async fn a_charge_id_that_may_not_go_into_a_path_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let odd = StripeChargeId::parse("ch_1.json").unwrap();
    assert!(client(&server).retrieve_charge(&odd).await.is_err());
    assert!(requests(&server).await.is_empty());
}
