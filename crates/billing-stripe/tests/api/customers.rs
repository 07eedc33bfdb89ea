use billing_core::ports::PaymentProvider;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn creating_a_customer_tags_it_with_the_org_and_sends_key_version_and_auth() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": CUSTOMER, "object": "customer"})))
        .expect(1)
        .mount(&server)
        .await;
    let key = key("customer");

    // Act
    let created = client(&server).create_customer(&org(), Some("billing@acme-rockets.test".into()), &key).await.unwrap();

    // Assert
    assert_eq!(created, customer_id());
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], Some(key.as_str()));
    assert_eq!(form(&sent[0]), pairs(&[("email", "billing@acme-rockets.test"), ("metadata[org_id]", "org_42")]));
}

#[tokio::test]
async fn creating_a_customer_without_email_sends_only_the_org() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": CUSTOMER})))
        .mount(&server)
        .await;

    client(&server).create_customer(&org(), None, &key("c")).await.unwrap();

    assert_eq!(form(&requests(&server).await[0]), pairs(&[("metadata[org_id]", "org_42")]));
}

#[tokio::test]
async fn retrieving_a_deleted_customer_reports_it_as_deleted() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/customers/{CUSTOMER}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": CUSTOMER, "object": "customer", "deleted": true})))
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let customer = client(&server).customers_retrieve(&customer_id()).await.unwrap();

    // Assert
    assert!(customer.deleted);
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], None);
    assert!(sent[0].body.is_empty());
}

#[tokio::test]
async fn retrieving_a_live_customer_exposes_its_org_metadata() {
    let server = MockServer::start().await;
    let body = json!({"id": CUSTOMER, "object": "customer", "email": null, "metadata": {"org_id": "org_42"}, "brand_new_field": [1, 2]});
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(body)).mount(&server).await;

    let customer = client(&server).customers_retrieve(&customer_id()).await.unwrap();

    assert!(!customer.deleted);
    assert_eq!(billing_stripe::wire::metadata_text(&customer.metadata, "org_id"), Some("org_42"));
}
