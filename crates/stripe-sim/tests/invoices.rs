//! Invoices by hand: listing, paying an open invoice by the saved card (which also applies a
//! pending price change), and voiding one.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::{PaymentProvider, PriceChange};
use billing_core::StripePriceId;
use common::world::{advance, events_since, price_of, reread, set_card, subscribed, types, RENEWAL};
use common::{get, key, post, start};
use serde_json::Value;
use stripe_sim::SimHandle;

async fn pay(sim: &SimHandle, invoice: &str) -> (u16, Value) {
    post(sim, &format!("/v1/invoices/{invoice}/pay"), &[], None).await
}

/// A Team subscription whose renewal failed with 0341: it is past due with an open invoice.
async fn past_due(sim: &SimHandle, client: &billing_stripe::StripeClient) -> (Value, String) {
    let (sub, _) = subscribed(sim, client, "4242424242424242").await;
    set_card(sim, &sub["customer"], "4000000000000341").await;
    advance(sim, RENEWAL).await;
    let now = reread(sim, &sub).await;
    assert_eq!(now["status"], "past_due");
    (sub, now["latest_invoice"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn invoices_list_newest_first_filtered_and_paged() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    advance(&sim, RENEWAL).await;
    let of_sub = format!("/v1/invoices?subscription={}&limit=1", sub["id"].as_str().unwrap());

    let (_, first) = get(&sim, &of_sub).await;
    let cursor = first["data"][0]["id"].as_str().unwrap();
    let (_, second) = get(&sim, &format!("{of_sub}&starting_after={cursor}")).await;
    let (_, by_customer) = get(&sim, &format!("/v1/invoices?customer={}&status=paid", sub["customer"].as_str().unwrap())).await;
    let (_, none_open) = get(&sim, &format!("/v1/invoices?customer={}&status=open", sub["customer"].as_str().unwrap())).await;
    let (bad, _) = get(&sim, "/v1/invoices?limit=0").await;

    assert_eq!((first["data"][0]["billing_reason"].as_str(), first["has_more"].as_bool()), (Some("subscription_cycle"), Some(true)));
    assert_eq!((second["data"][0]["billing_reason"].as_str(), second["has_more"].as_bool()), (Some("subscription_create"), Some(false)));
    assert_eq!(by_customer["data"].as_array().unwrap().len(), 2);
    assert_eq!(none_open["data"], Value::Array(vec![]));
    assert_eq!(bad, 400);
}

#[tokio::test]
async fn paying_a_past_due_invoice_with_a_fixed_card_makes_the_subscription_active() {
    let (sim, client) = start();
    let (sub, invoice) = past_due(&sim, &client).await;
    set_card(&sim, &sub["customer"], "4242424242424242").await;
    let before = common::world::events(&sim).await.len();

    let (status, paid) = pay(&sim, &invoice).await;
    let after = events_since(&sim, before).await;
    let (again, _) = pay(&sim, &invoice).await;

    assert_eq!((status, paid["status"].as_str()), (200, Some("paid")), "{paid}");
    assert_eq!(types(&after), ["invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"]);
    assert_eq!(after[2]["data"]["object"]["status"], "active");
    assert_eq!(get(&sim, &format!("/v1/invoices/{invoice}")).await.1["next_payment_attempt"], Value::Null);
    assert_eq!(again, 400);
}

#[tokio::test]
async fn paying_with_a_failing_card_is_a_402_card_error_after_invoice_payment_failed() {
    let (sim, client) = start();
    let (_, invoice) = past_due(&sim, &client).await;
    let before = common::world::events(&sim).await.len();

    let (status, body) = pay(&sim, &invoice).await;

    assert_eq!((status, body["error"]["type"].as_str()), (402, Some("card_error")));
    assert_eq!(body["error"]["decline_code"], "generic_decline");
    assert_eq!(types(&events_since(&sim, before).await), ["invoice.payment_failed"]);
}

#[tokio::test]
async fn paying_the_invoice_of_a_pending_update_applies_the_change() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;
    let change = PriceChange {
        customer: sub["customer"].as_str().unwrap().parse().unwrap(),
        subscription: sub["id"].as_str().unwrap().parse().unwrap(),
        price: StripePriceId::parse("price_enterprise_monthly").unwrap(),
        proration_date: chrono::Utc::now(),
    };
    client.change_price_now(&change, &key("pending")).await.unwrap_err();
    set_card(&sim, &sub["customer"], "4242424242424242").await;
    let invoice = reread(&sim, &sub).await["latest_invoice"].as_str().unwrap().to_owned();
    let before = common::world::events(&sim).await.len();

    let (status, _) = pay(&sim, &invoice).await;
    let after = events_since(&sim, before).await;
    let now = reread(&sim, &sub).await;

    assert_eq!(status, 200);
    assert_eq!((price_of(&now), now["pending_update"].clone()), ("price_enterprise_monthly", Value::Null));
    assert_eq!(types(&after), ["invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"]);
    assert!(after[2]["data"]["previous_attributes"]["pending_update"]["expires_at"].is_i64());
}

#[tokio::test]
async fn only_open_invoices_can_be_voided() {
    let (sim, client) = start();
    let (sub, invoice) = past_due(&sim, &client).await;
    let before = common::world::events(&sim).await.len();

    let (status, voided) = post(&sim, &format!("/v1/invoices/{invoice}/void"), &[], None).await;
    let (again, _) = post(&sim, &format!("/v1/invoices/{invoice}/void"), &[], None).await;
    advance(&sim, 2 * 86_400).await;

    assert_eq!((status, voided["status"].as_str()), (200, Some("void")));
    assert_eq!(again, 400);
    assert_eq!(types(&events_since(&sim, before).await), ["invoice.voided"], "no retry of a voided invoice");
    assert_eq!(reread(&sim, &sub).await["status"], "past_due");
}

#[tokio::test]
async fn paying_an_older_invoice_keeps_the_subscription_past_due_while_a_newer_one_is_open() {
    let (sim, client) = start();
    let (sub, older) = past_due(&sim, &client).await;
    let change = [
        ("items[0][id]", sub["items"]["data"][0]["id"].as_str().unwrap()),
        ("items[0][price]", "price_enterprise_monthly"),
        ("proration_behavior", "always_invoice"),
    ];
    let (_, changed) = post(&sim, &format!("/v1/subscriptions/{}", sub["id"].as_str().unwrap()), &change, None).await;
    let newer = changed["latest_invoice"].as_str().unwrap().to_owned();
    set_card(&sim, &sub["customer"], "4242424242424242").await;
    let before = common::world::events(&sim).await.len();

    assert_eq!(pay(&sim, &older).await.0, 200);
    let after_older = events_since(&sim, before).await;
    let still = reread(&sim, &sub).await["status"].clone();
    assert_eq!(pay(&sim, &newer).await.0, 200);

    assert_ne!(newer, older);
    assert_eq!(types(&after_older), ["invoice.paid", "invoice.payment_succeeded"]);
    assert_eq!(still, "past_due");
    assert_eq!(reread(&sim, &sub).await["status"], "active");
}

#[tokio::test]
async fn a_declined_charge_carries_the_error_code_as_failure_code_and_the_decline_code_apart() {
    let (sim, client) = start();
    let (_, invoice) = past_due(&sim, &client).await;

    let expanded = get(&sim, &format!("/v1/invoices/{invoice}?expand[]=payments")).await.1;
    let intent_id = expanded["payments"]["data"][0]["payment"]["payment_intent"].as_str().unwrap().to_owned();
    let intent = get(&sim, &format!("/v1/payment_intents/{intent_id}")).await.1;
    let charge = get(&sim, &format!("/v1/charges/{}", intent["latest_charge"].as_str().unwrap())).await.1;

    assert_eq!((charge["status"].as_str(), charge["failure_code"].as_str()), (Some("failed"), Some("card_declined")), "{charge}");
    assert_eq!(charge["outcome"]["reason"], "generic_decline");
    assert_eq!(intent["last_payment_error"]["decline_code"], "generic_decline");
}

#[tokio::test]
async fn each_line_prices_its_own_amount_whatever_the_example_invoice_priced() {
    let (sim, client) = start();
    let (sub, _) = common::world::subscribed_to(&sim, &client, "price_enterprise_monthly", "4242424242424242").await;
    advance(&sim, RENEWAL).await;

    let (_, listed) = get(&sim, &format!("/v1/invoices?subscription={}&limit=1", sub["id"].as_str().unwrap())).await;

    let line = &listed["data"][0]["lines"]["data"][0];
    assert_eq!(line["amount"], 49_900);
    assert_eq!(line["pricing"]["unit_amount_decimal"], "49900");
}
