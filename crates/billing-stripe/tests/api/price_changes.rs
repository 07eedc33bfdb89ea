//! `change_price_now`: the update Stripe applies only once its proration is paid, and the errors
//! for a change it leaves pending.

use billing_core::ports::{PaymentError, PaymentProvider};
use billing_core::SubscriptionSnapshot;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const PRORATION_INVOICE: &str = "in_test_1S2dXb20Sep2026Ef";
const HOSTED_URL: &str = "https://invoice.stripe.com/i/acct_test_1ExampleAcct00/test_1S2dXb20Sep2026Ef";
const INTENT: &str = "pi_test_3S2dXb20Sep2026Kl";

/// The proration invoice, expanded with its payments: open and unpaid unless `paid`.
fn proration_invoice(paid: bool, payment_intent: Value) -> Value {
    let mut invoice = fixture_object(if paid { "invoice.paid.json" } else { "invoice.payment_failed.json" });
    invoice["id"] = json!(PRORATION_INVOICE);
    invoice["billing_reason"] = json!("subscription_update");
    invoice["hosted_invoice_url"] = json!(HOSTED_URL);
    let payment = json!({
        "id": "inpay_test_1S2dXc", "object": "invoice_payment", "invoice": PRORATION_INVOICE, "is_default": true,
        "status": if paid { "paid" } else { "open" }, "payment": {"type": "payment_intent", "payment_intent": payment_intent}
    });
    invoice["payments"] = json!({"object": "list", "data": [payment], "has_more": false});
    invoice
}

/// The answer when the charge went through: new price, paid invoice, nothing pending.
fn applied() -> Value {
    let mut subscription = subscription();
    subscription["latest_invoice"] = proration_invoice(true, json!(INTENT));
    subscription
}

/// The answer when the charge did not go through: old price kept, the change in `pending_update`.
fn left_pending(payment_intent: Value) -> Value {
    let event = fixture_event("customer.subscription.updated.plan_change.json");
    let mut subscription = event["data"]["object"].clone();
    subscription["items"] = event["data"]["previous_attributes"]["items"].clone();
    subscription["latest_invoice"] = proration_invoice(false, payment_intent);
    subscription["pending_update"] = json!({
        "billing_cycle_anchor": null, "expires_at": 1_789_982_143, "trial_end": null, "trial_from_plan": null,
        "subscription_items": [{"id": ITEM, "object": "subscription_item", "price": {"id": "price_business_monthly", "object": "price"}, "quantity": 1}]
    });
    subscription
}

fn intent(status: &str, last_payment_error: Value) -> Value {
    json!({"id": INTENT, "object": "payment_intent", "status": status, "last_payment_error": last_payment_error})
}

fn declined() -> Value {
    json!({"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds", "message": "Shown to the customer."})
}

/// Serves the current subscription, `answer` to the update and `payment_intent` (if any) to its read.
async fn server_answering(answer: ResponseTemplate, payment_intent: Option<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    let sub_path = format!("/v1/subscriptions/{SUB}");
    let current = ResponseTemplate::new(200).set_body_json(fixture_object("customer.subscription.created.json"));
    Mock::given(method("GET")).and(path(sub_path.as_str())).respond_with(current).mount(&server).await;
    Mock::given(method("POST")).and(path(sub_path.as_str())).respond_with(answer).mount(&server).await;
    if let Some(response) = payment_intent {
        Mock::given(method("GET")).and(path(format!("/v1/payment_intents/{INTENT}"))).respond_with(response).mount(&server).await;
    }
    server
}

async fn change_price(server: &MockServer) -> Result<SubscriptionSnapshot, PaymentError> {
    client(server).change_price_now(&change(), &key("upgrade")).await
}

#[tokio::test]
async fn changing_the_price_sends_the_item_prorations_pending_payment_behavior_and_expansions() {
    // Arrange
    let server = server_answering(ResponseTemplate::new(200).set_body_json(applied()), None).await;
    let key = key("upgrade");

    // Act
    let snapshot = client(&server).change_price_now(&change(), &key).await.unwrap();

    // Assert
    assert_eq!(snapshot.price_id, price("price_business_monthly"));
    let sent = requests(&server).await;
    assert_eq!(sent.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "POST"]);
    assert_standard_headers(&sent[1], Some(key.as_str()));
    assert_eq!(
        form(&sent[1]),
        pairs(&[
            ("items[0][id]", ITEM),
            ("items[0][price]", "price_business_monthly"),
            ("proration_behavior", "always_invoice"),
            ("proration_date", "1789899000"),
            ("payment_behavior", "pending_if_incomplete"),
            ("expand[]", "latest_invoice"),
            ("expand[]", "latest_invoice.payments"),
        ])
    );
}

#[tokio::test]
async fn an_applied_change_with_an_unexpanded_latest_invoice_returns_the_snapshot() {
    let server = server_answering(ResponseTemplate::new(200).set_body_json(subscription()), None).await;

    let snapshot = change_price(&server).await.unwrap();

    assert_eq!(snapshot.price_id, price("price_business_monthly"));
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_change_left_pending_by_a_declined_card_is_a_failed_payment_with_the_invoice_page() {
    // Arrange
    let answer = ResponseTemplate::new(200).set_body_json(left_pending(json!(INTENT)));
    let read = ResponseTemplate::new(200).set_body_json(intent("requires_payment_method", declined()));
    let server = server_answering(answer, Some(read)).await;

    // Act
    let result = change_price(&server).await;

    // Assert
    match result {
        Err(PaymentError::PaymentFailed { hosted_invoice_url, user_message }) => {
            assert_eq!(hosted_invoice_url.as_deref(), Some(HOSTED_URL));
            assert!(user_message.is_some());
        }
        other => panic!("expected a failed payment, got {other:?}"),
    }
    let sent = requests(&server).await;
    assert_eq!(sent.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "POST", "GET"]);
    assert_eq!(sent[2].url.path(), format!("/v1/payment_intents/{INTENT}"));
    assert_standard_headers(&sent[2], None);
}

#[tokio::test]
async fn a_change_left_pending_for_authentication_requires_the_customers_action() {
    let answer = ResponseTemplate::new(200).set_body_json(left_pending(json!(INTENT)));
    let read = ResponseTemplate::new(200).set_body_json(intent("requires_action", Value::Null));
    let server = server_answering(answer, Some(read)).await;

    let result = change_price(&server).await;

    assert!(
        matches!(result, Err(PaymentError::PaymentRequiresAction { hosted_invoice_url: Some(ref url) }) if url == HOSTED_URL),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_already_expanded_payment_intent_is_not_read_again() {
    let answer = ResponseTemplate::new(200).set_body_json(left_pending(intent("requires_action", Value::Null)));
    let server = server_answering(answer, None).await;

    let result = change_price(&server).await;

    assert!(matches!(result, Err(PaymentError::PaymentRequiresAction { .. })), "{result:?}");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_pending_change_whose_payment_cannot_be_read_is_a_failed_payment() {
    let answer = ResponseTemplate::new(200).set_body_json(left_pending(json!(INTENT)));
    let missing = ResponseTemplate::new(404).set_body_json(error_body("invalid_request_error", Some("resource_missing")));
    let server = server_answering(answer, Some(missing)).await;

    let result = change_price(&server).await;

    assert!(
        matches!(result, Err(PaymentError::PaymentFailed { hosted_invoice_url: Some(ref url), user_message: None }) if url == HOSTED_URL),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_card_error_response_to_the_change_is_still_a_declined_card() {
    let body = json!({"error": {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Shown."}});
    let server = server_answering(ResponseTemplate::new(402).set_body_json(body), None).await;

    let result = change_price(&server).await;

    assert!(
        matches!(result, Err(PaymentError::CardDeclined { ref code, decline_code: Some(ref d), .. }) if code == "card_declined" && d == "generic_decline"),
        "{result:?}"
    );
}
