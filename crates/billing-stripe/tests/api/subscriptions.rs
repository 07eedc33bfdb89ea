use billing_core::ports::{PaymentError, PaymentProvider};
use billing_core::SubscriptionStatus;
use chrono::DateTime;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn serve_subscription(server: &MockServer, verb: &str, body: serde_json::Value) {
    Mock::given(method(verb))
        .and(path(format!("/v1/subscriptions/{SUB}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn retrieving_a_subscription_reads_price_and_period_from_its_first_item() {
    // Arrange
    let server = MockServer::start().await;
    serve_subscription(&server, "GET", subscription()).await;

    // Act
    let snapshot = client(&server).retrieve_subscription(&sub_id()).await.unwrap();

    // Assert
    assert_eq!(snapshot.id, sub_id());
    assert_eq!(snapshot.customer_id, customer_id());
    assert_eq!(snapshot.status, SubscriptionStatus::Active);
    assert_eq!(snapshot.price_id, price("price_business_monthly"));
    assert!(!snapshot.cancel_at_period_end);
    assert_eq!(snapshot.period.start(), DateTime::from_timestamp(1_788_444_149, 0).unwrap());
    assert_eq!(snapshot.period.end(), DateTime::from_timestamp(1_791_036_149, 0).unwrap());
    assert_eq!(snapshot.canceled_at, None);
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], None);
    assert!(query(&sent[0]).is_empty());
}

#[tokio::test]
async fn a_legacy_subscription_with_top_level_period_and_plan_is_understood() {
    // Arrange: the shape of accounts pinned to 2017-08-15.
    let server = MockServer::start().await;
    let legacy = json!({
        "id": SUB, "object": "subscription", "customer": CUSTOMER, "status": "past_due",
        "cancel_at_period_end": false, "canceled_at": null,
        "current_period_start": 1788444149, "current_period_end": 1791036149,
        "plan": {"id": "price_team_monthly", "object": "plan", "amount": 2900},
        "items": {"object": "list", "data": [{"id": ITEM, "object": "subscription_item", "plan": {"id": "price_team_monthly"}, "quantity": 1}]}
    });
    serve_subscription(&server, "GET", legacy).await;

    // Act
    let snapshot = client(&server).retrieve_subscription(&sub_id()).await.unwrap();

    // Assert
    assert_eq!(snapshot.status, SubscriptionStatus::PastDue);
    assert_eq!(snapshot.price_id, price("price_team_monthly"));
    assert_eq!(snapshot.period.start(), DateTime::from_timestamp(1_788_444_149, 0).unwrap());
    assert_eq!(snapshot.period.end(), DateTime::from_timestamp(1_791_036_149, 0).unwrap());
}

#[tokio::test]
async fn a_subscription_with_an_unknown_status_is_an_unexpected_body() {
    let server = MockServer::start().await;
    let mut body = subscription();
    body["status"] = json!("hibernating");
    serve_subscription(&server, "GET", body).await;

    let result = client(&server).retrieve_subscription(&sub_id()).await;

    assert!(matches!(result, Err(PaymentError::Unknown(_))));
}

#[tokio::test]
async fn setting_and_unsetting_cancel_at_period_end_posts_the_flag() {
    for (cancel, text) in [(true, "true"), (false, "false")] {
        // Arrange
        let server = MockServer::start().await;
        serve_subscription(&server, "POST", subscription()).await;
        let key = key(text);

        // Act
        client(&server).set_cancel_at_period_end(&sub_id(), cancel, &key).await.unwrap();

        // Assert
        let sent = requests(&server).await;
        assert_eq!(sent.len(), 1);
        assert_standard_headers(&sent[0], Some(key.as_str()));
        assert_eq!(form(&sent[0]), pairs(&[("cancel_at_period_end", text)]));
    }
}

#[tokio::test]
async fn cancelling_now_sends_a_delete_and_returns_the_canceled_subscription() {
    // Arrange
    let server = MockServer::start().await;
    serve_subscription(&server, "DELETE", fixture_object("customer.subscription.deleted.json")).await;

    // Act
    let snapshot = client(&server).cancel_now(&sub_id(), &key("cancel")).await.unwrap();

    // Assert
    assert_eq!(snapshot.status, SubscriptionStatus::Canceled);
    assert_eq!(snapshot.canceled_at, DateTime::from_timestamp(1_790_613_603, 0));
    let sent = requests(&server).await;
    assert_eq!(sent[0].method.as_str(), "DELETE");
    assert_standard_headers(&sent[0], None);
    assert!(sent[0].body.is_empty());
}
