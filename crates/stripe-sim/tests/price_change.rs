//! Prorated price changes through billing-stripe's `change_price_now`: invoiced and charged at
//! once, credited, or left pending when the card fails, with Stripe's events.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::{PaymentError, PaymentProvider, PriceChange};
use billing_core::proration::immediate_charge;
use billing_core::{Currency, Money, StripeChargeId, StripePriceId};
use chrono::{DateTime, Duration, Utc};
use common::world::{advance, change_to, events_since, period_start, price_of, reread, set_card, subscribed, types, DAY};
use common::{get, key, post, start};
use serde_json::Value;
use stripe_sim::SimHandle;

/// The change of `sub` to `price` fifteen days and a few odd seconds into its period.
fn change_of(sub: &Value, price: &str) -> PriceChange {
    let start = DateTime::<Utc>::from_timestamp(period_start(sub), 0).unwrap();
    PriceChange {
        customer: sub["customer"].as_str().unwrap().parse().unwrap(),
        subscription: sub["id"].as_str().unwrap().parse().unwrap(),
        price: StripePriceId::parse(price).unwrap(),
        proration_date: start + Duration::days(15) + Duration::seconds(7_777),
    }
}

async fn latest_invoice(sim: &SimHandle, sub: &Value) -> Value {
    let id = reread(sim, sub).await["latest_invoice"].as_str().unwrap().to_owned();
    let query = format!("/v1/subscriptions/{}?expand[]=latest_invoice.payments", sub["id"].as_str().unwrap());
    let expanded = get(sim, &query).await.1["latest_invoice"].clone();
    assert_eq!(expanded["id"], id.as_str());
    expanded
}

fn intent_id(invoice: &Value) -> String {
    invoice["payments"]["data"][0]["payment"]["payment_intent"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_upgrade_with_a_good_card_charges_the_cores_proration_and_switches_the_price() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    let change = change_of(&sub, "price_enterprise_monthly");

    let changed = client.change_price_now(&change, &key("upgrade")).await.unwrap();
    let after = events_since(&sim, before).await;

    let period = changed.period;
    let expected = immediate_charge(Money::new(9_900, Currency::USD), Money::new(49_900, Currency::USD), period, change.proration_date);
    assert_eq!(changed.price_id.as_str(), "price_enterprise_monthly");
    assert_eq!(
        types(&after),
        ["invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"]
    );
    let invoice = &after[2]["data"]["object"];
    assert_eq!(invoice["billing_reason"], "subscription_update");
    assert_eq!(Some(Money::new(invoice["amount_paid"].as_i64().unwrap(), Currency::USD)), expected.ok());
    let updated = &after[4]["data"];
    assert_eq!(updated["previous_attributes"]["items"]["data"][0]["price"]["id"], "price_team_monthly");
    assert_eq!(updated["object"]["latest_invoice"], invoice["id"]);
    assert_eq!(after[4]["request"]["idempotency_key"], key("upgrade").as_str());
    let paid = latest_invoice(&sim, &sub).await;
    let intent = get(&sim, &format!("/v1/payment_intents/{}", intent_id(&paid))).await.1;
    assert_eq!(intent["status"], "succeeded");
    let charge: StripeChargeId = intent["latest_charge"].as_str().unwrap().parse().unwrap();
    let snapshot = client.retrieve_charge(&charge).await.unwrap();
    assert_eq!((snapshot.amount.minor_units(), snapshot.amount_refunded.minor_units()), (invoice["amount_paid"].as_i64().unwrap(), 0));
}

#[tokio::test]
async fn a_downgrade_is_a_credit_paid_with_nothing_due_and_no_payment() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;

    let changed = client.change_price_now(&change_of(&sub, "price_solo_monthly"), &key("downgrade")).await.unwrap();
    let after = events_since(&sim, before).await;

    assert_eq!(changed.price_id.as_str(), "price_solo_monthly");
    let invoice = &after[2]["data"]["object"];
    assert_eq!((invoice["status"].as_str(), invoice["amount_due"].as_i64()), (Some("paid"), Some(0)));
    assert!(invoice["total"].as_i64().unwrap() < 0, "{invoice}");
    assert_eq!(latest_invoice(&sim, &sub).await["payments"]["data"], Value::Array(vec![]));
}

#[tokio::test]
async fn a_declined_card_leaves_the_change_pending_and_the_provider_reports_a_failed_payment() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;

    let refused = client.change_price_now(&change_of(&sub, "price_enterprise_monthly"), &key("declined")).await;
    let after = events_since(&sim, before).await;
    let now = reread(&sim, &sub).await;

    let hosted = match refused {
        Err(PaymentError::PaymentFailed { hosted_invoice_url: Some(url), user_message: Some(message) }) => {
            assert_eq!(message, "Your card was declined.");
            url
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(price_of(&now), "price_team_monthly");
    let expires_at = now["pending_update"]["expires_at"].as_i64().unwrap();
    assert!((expires_at - sim.clock.now() - 23 * 3600).abs() < 60, "{expires_at}");
    assert_eq!(now["pending_update"]["subscription_items"][0]["price"]["id"], "price_enterprise_monthly");
    assert_eq!(types(&after), ["invoice.created", "invoice.finalized", "invoice.payment_failed", "customer.subscription.updated"]);
    assert_eq!(after[3]["data"]["previous_attributes"]["pending_update"], Value::Null);
    let invoice = latest_invoice(&sim, &sub).await;
    assert_eq!((invoice["status"].as_str(), invoice["hosted_invoice_url"].as_str()), (Some("open"), Some(hosted.as_str())));
    let intent = get(&sim, &format!("/v1/payment_intents/{}", intent_id(&invoice))).await.1;
    assert_eq!(intent["status"], "requires_payment_method");
    assert_eq!(intent["last_payment_error"]["decline_code"], "generic_decline");
}

#[tokio::test]
async fn a_card_needing_authentication_leaves_the_change_pending_for_the_customers_action() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4000002760003184").await;

    let refused = client.change_price_now(&change_of(&sub, "price_enterprise_monthly"), &key("sca")).await;
    let after = events_since(&sim, before).await;

    assert!(matches!(refused, Err(PaymentError::PaymentRequiresAction { hosted_invoice_url: Some(_) })), "{refused:?}");
    assert_eq!(types(&after)[2..4], ["invoice.payment_failed", "invoice.payment_action_required"]);
    let intent = get(&sim, &format!("/v1/payment_intents/{}", intent_id(&latest_invoice(&sim, &sub).await))).await.1;
    assert_eq!(intent["status"], "requires_action");
    assert_eq!(price_of(&reread(&sim, &sub).await), "price_team_monthly");
}

#[tokio::test]
async fn an_unpaid_pending_update_expires_after_23_hours_and_its_invoice_is_voided() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;
    client.change_price_now(&change_of(&sub, "price_enterprise_monthly"), &key("expires")).await.unwrap_err();
    let before = common::world::events(&sim).await.len();

    advance(&sim, DAY).await;
    let after = events_since(&sim, before).await;

    assert_eq!(types(&after), ["invoice.voided", "customer.subscription.pending_update_expired", "customer.subscription.updated"]);
    assert_eq!(reread(&sim, &sub).await["pending_update"], Value::Null);
    assert_eq!(latest_invoice(&sim, &sub).await["status"], "void");
}

/// A raw change to Enterprise with `proration_behavior` and `payment_behavior`.
async fn raw_change(sim: &SimHandle, sub: &Value, behavior: &str, payment: Option<&str>) -> (u16, Value) {
    change_to(sim, sub, "price_enterprise_monthly", behavior, payment).await
}

#[tokio::test]
async fn by_default_a_failed_payment_still_applies_the_change_and_leaves_the_invoice_open_and_past_due() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;

    let (status, changed) = raw_change(&sim, &sub, "always_invoice", None).await;

    assert_eq!(status, 200, "{changed}");
    assert_eq!((price_of(&changed), changed["status"].as_str()), ("price_enterprise_monthly", Some("past_due")));
    assert_eq!(changed["pending_update"], Value::Null);
    assert_eq!(latest_invoice(&sim, &sub).await["status"], "open");
}

#[tokio::test]
async fn error_if_incomplete_refuses_a_declined_change_with_402_and_changes_nothing() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;

    let (status, body) = raw_change(&sim, &sub, "always_invoice", Some("error_if_incomplete")).await;

    assert_eq!((status, body["error"]["decline_code"].as_str()), (402, Some("generic_decline")));
    assert!(events_since(&sim, before).await.is_empty());
    assert_eq!(price_of(&reread(&sim, &sub).await), "price_team_monthly");
}

#[tokio::test]
async fn a_refused_change_does_not_keep_the_cancellation_asked_in_the_same_request() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;
    let form = [
        ("cancel_at_period_end", "true"),
        ("items[0][id]", sub["items"]["data"][0]["id"].as_str().unwrap()),
        ("items[0][price]", "price_enterprise_monthly"),
        ("proration_behavior", "always_invoice"),
        ("payment_behavior", "error_if_incomplete"),
    ];

    let (status, body) = post(&sim, &format!("/v1/subscriptions/{}", sub["id"].as_str().unwrap()), &form, None).await;

    assert_eq!((status, body["error"]["code"].as_str()), (402, Some("card_declined")), "{body}");
    assert!(events_since(&sim, before).await.is_empty());
    let now = reread(&sim, &sub).await;
    assert_eq!((now["cancel_at_period_end"].as_bool(), now["canceled_at"].clone()), (Some(false), Value::Null));
}

#[tokio::test]
async fn create_prorations_switches_now_and_bills_the_proration_with_the_next_renewal() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;

    let (status, changed) = raw_change(&sim, &sub, "create_prorations", None).await;
    let right_after = events_since(&sim, before).await;
    advance(&sim, 30 * DAY + 3600).await;
    let renewal = events_since(&sim, before + right_after.len()).await;

    assert_eq!((status, price_of(&changed)), (200, "price_enterprise_monthly"));
    assert_eq!(types(&right_after), ["customer.subscription.updated"]);
    let paid = renewal.iter().find(|event| event["type"] == "invoice.paid").unwrap();
    let lines = paid["data"]["object"]["lines"]["data"].as_array().unwrap();
    let prorations: i64 =
        lines.iter().filter(|l| l["parent"]["subscription_item_details"]["proration"] == true).map(|l| l["amount"].as_i64().unwrap()).sum();
    assert_eq!(lines.len(), 3);
    assert!(prorations > 0, "an upgrade's proration is a net charge: {prorations}");
    assert_eq!(paid["data"]["object"]["amount_paid"].as_i64().unwrap(), 49_900 + prorations);
}

#[tokio::test]
async fn an_unknown_proration_behavior_or_item_is_refused() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    let (status, body) = raw_change(&sim, &sub, "sometimes", None).await;
    assert_eq!((status, body["error"]["param"].as_str()), (400, Some("proration_behavior")));
    let refused = client
        .change_price_now(
            &PriceChange { price: StripePriceId::parse("price_nobody").unwrap(), ..change_of(&sub, "price_solo_monthly") },
            &key("x"),
        )
        .await;
    assert!(matches!(refused, Err(PaymentError::NotFound { .. })), "{refused:?}");
}
