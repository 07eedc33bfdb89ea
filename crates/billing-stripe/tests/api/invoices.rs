use billing_core::ports::{PaymentProvider, PriceChange};
use billing_core::{Currency, InvoiceStatus, Money};
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

/// The customer's invoices as `GET /v1/invoices` lists them: a paid one from the fixtures and
/// an older open one with another number.
fn invoice_page() -> Value {
    let paid = fixture_object("invoice.paid.json");
    let mut open = fixture_object("invoice.payment_failed.json");
    open["id"] = json!("in_test_1Older0Sep2026Ab");
    open["created"] = json!(1_785_765_749);
    json!({"object": "list", "url": "/v1/invoices", "has_more": true, "data": [paid, open]})
}

async fn serve_invoices(server: &MockServer, body: Value) {
    Mock::given(method("GET")).and(path("/v1/invoices")).respond_with(ResponseTemplate::new(200).set_body_json(body)).mount(server).await;
}

#[tokio::test]
async fn listing_invoices_asks_for_the_customers_latest_and_reads_each_one() {
    // Arrange
    let server = MockServer::start().await;
    serve_invoices(&server, invoice_page()).await;

    // Act
    let invoices = client(&server).list_invoices(&customer_id(), 10).await.unwrap();

    // Assert
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], None);
    assert_eq!(query(&sent[0]), pairs(&[("customer", CUSTOMER), ("limit", "10")]));
    assert_eq!(invoices.len(), 2);
    let paid = &invoices[0];
    assert_eq!(
        (paid.id.as_str(), paid.number.as_deref(), paid.status),
        ("in_test_1RyQ3p3Sep2026Cd", Some("ACME42-0002"), InvoiceStatus::Paid)
    );
    assert_eq!(paid.created, DateTime::from_timestamp(1_788_444_149, 0).unwrap());
    assert_eq!((paid.amount_due, paid.amount_paid), (Money::new(2_900, Currency::USD), Money::new(2_900, Currency::USD)));
    assert!(paid.hosted_invoice_url.as_deref().is_some_and(|u| u.starts_with("https://invoice.stripe.com/")));
    assert!(paid.invoice_pdf.as_deref().is_some_and(|u| u.ends_with("/pdf?s=ap")));
    let open = &invoices[1];
    assert_eq!((open.status, open.amount_paid), (InvoiceStatus::Open, Money::new(0, Currency::USD)));
}

#[tokio::test]
async fn an_invoice_in_an_unknown_status_is_left_out_and_the_others_are_listed() {
    let server = MockServer::start().await;
    let mut page = invoice_page();
    page["data"][0]["status"] = json!("half_paid");
    serve_invoices(&server, page).await;
    let invoices = client(&server).list_invoices(&customer_id(), 10).await.unwrap();
    let ids: Vec<&str> = invoices.iter().map(|invoice| invoice.id.as_str()).collect();
    assert_eq!(ids, ["in_test_1Older0Sep2026Ab"]);
}

#[tokio::test]
async fn an_invoice_without_a_date_or_a_status_fails_the_listing() {
    for (field, value) in [("created", Value::Null), ("status", Value::Null)] {
        let server = MockServer::start().await;
        let mut page = invoice_page();
        page["data"][1][field] = value;
        serve_invoices(&server, page).await;
        let err = client(&server).list_invoices(&customer_id(), 10).await.unwrap_err();
        assert!(!err.is_transient(), "{field}: {err}");
    }
}
