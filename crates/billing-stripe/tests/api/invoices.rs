use billing_core::ports::{PaymentProvider, PriceChange};
use billing_core::{Currency, Money};
use chrono::DateTime;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn line(amount: i64, proration: bool) -> Value {
    json!({
        "object": "line_item", "amount": amount, "currency": "usd",
        "parent": {"type": "subscription_item_details", "subscription_item_details": {"proration": proration, "subscription": SUB, "subscription_item": ITEM}},
        "pricing": {"type": "price_details", "price_details": {"price": "price_business_monthly", "product": "prod_test_business"}}
    })
}

fn preview() -> Value {
    json!({
        "id": "upcoming_in_test_1", "object": "invoice", "currency": "usd", "customer": CUSTOMER,
        "amount_due": 13_400, "total": 13_400,
        "lines": {"object": "list", "data": [line(-1_450, true), line(4_950, true), line(9_900, false)], "has_more": false}
    })
}

#[tokio::test]
async fn a_proration_preview_sends_the_change_and_sums_only_proration_lines() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/subscriptions/{SUB}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture_object("customer.subscription.created.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/invoices/create_preview"))
        .respond_with(ResponseTemplate::new(200).set_body_json(preview()))
        .expect(1)
        .mount(&server)
        .await;
    let when = DateTime::from_timestamp(1_789_899_000, 0).unwrap();
    let change =
        PriceChange { customer: customer_id(), subscription: sub_id(), price: price("price_business_monthly"), proration_date: when };

    // Act
    let result = client(&server).preview_proration(&change).await.unwrap();

    // Assert
    assert_eq!(result.proration, Money::new(3_500, Currency::USD));
    assert_eq!(result.amount_due, Money::new(13_400, Currency::USD));
    assert_eq!(result.proration_date, when);
    let sent = requests(&server).await;
    let expected_key = format!("billing:preview:{SUB}:price_business_monthly:1789899000:preview");
    assert_standard_headers(&sent[1], Some(expected_key.as_str()));
    assert_eq!(
        form(&sent[1]),
        pairs(&[
            ("customer", CUSTOMER),
            ("subscription", SUB),
            ("subscription_details[items][0][id]", ITEM),
            ("subscription_details[items][0][price]", "price_business_monthly"),
            ("subscription_details[proration_behavior]", "always_invoice"),
            ("subscription_details[proration_date]", "1789899000"),
        ])
    );
}
