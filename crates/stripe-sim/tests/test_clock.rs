//! Test clocks: renewals by test card, failed renewals and their retries, period-end
//! cancellations, each with Stripe's events in order.

#![allow(clippy::unwrap_used)]

mod common;

use common::world::{advance, events, period_start, set_card, subscribed, types, DAY, RENEWAL};
use common::{get, post, start, start_with};
use serde_json::Value;
use stripe_sim::{AfterRetries, Dunning, SimConfig};

#[tokio::test]
async fn a_renewal_with_a_good_card_is_invoiced_and_paid_and_moves_the_period() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;

    advance(&sim, RENEWAL).await;
    let after = events(&sim).await.split_off(before);
    let renewed = get(&sim, &format!("/v1/subscriptions/{}", sub["id"].as_str().unwrap())).await.1;

    assert_eq!(
        types(&after),
        ["customer.subscription.updated", "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]
    );
    assert_eq!(period_start(&renewed), sub["items"]["data"][0]["current_period_end"].as_i64().unwrap());
    assert_eq!(after[3]["data"]["object"]["billing_reason"], "subscription_cycle");
    assert_eq!(after[3]["data"]["object"]["amount_paid"], 9900);
    assert_eq!(after[0]["created"].as_i64().unwrap(), period_start(&renewed));
    assert_eq!(renewed["status"], "active");
}

#[tokio::test]
async fn a_card_that_fails_every_charge_makes_the_renewal_past_due_then_retries_and_cancels() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    assert_eq!(set_card(&sim, &sub["customer"], "4000000000000341").await, 200);

    advance(&sim, RENEWAL).await;
    let first = events(&sim).await.split_off(before);
    advance(&sim, 8 * DAY).await;
    let rest = events(&sim).await.split_off(before + first.len());

    assert_eq!(
        types(&first),
        [
            "customer.subscription.updated",
            "invoice.created",
            "invoice.finalized",
            "invoice.payment_failed",
            "customer.subscription.updated"
        ]
    );
    let failed = &first[3]["data"]["object"];
    assert_eq!(failed["attempt_count"], 1);
    assert_eq!(failed["next_payment_attempt"].as_i64().unwrap(), first[3]["created"].as_i64().unwrap() + DAY);
    assert_eq!(first[4]["data"]["object"]["status"], "past_due");
    assert_eq!(first[4]["data"]["previous_attributes"]["status"], "active");
    assert_eq!(
        types(&rest),
        ["invoice.payment_failed", "invoice.payment_failed", "invoice.payment_failed", "customer.subscription.deleted"]
    );
    assert_eq!(rest[2]["data"]["object"]["attempt_count"], 4);
    assert_eq!(rest[2]["data"]["object"]["next_payment_attempt"], Value::Null);
    assert_eq!(rest[3]["data"]["object"]["status"], "canceled");
}

#[tokio::test]
async fn with_the_unpaid_policy_the_last_failed_retry_leaves_the_subscription_unpaid() {
    let dunning = Dunning { retry_after_secs: vec![DAY], after_retries: AfterRetries::MarkUnpaid };
    let (sim, client) = start_with(SimConfig { dunning, ..SimConfig::default() });
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;

    advance(&sim, 33 * DAY).await;
    let after = events(&sim).await.split_off(before);

    assert_eq!(
        types(&after)[3..],
        ["invoice.payment_failed", "customer.subscription.updated", "invoice.payment_failed", "customer.subscription.updated"]
    );
    assert_eq!(after[6]["data"]["object"]["status"], "unpaid");
    assert_eq!(after[6]["data"]["previous_attributes"]["status"], "past_due");
}

#[tokio::test]
async fn a_card_that_needs_authentication_asks_for_action_on_every_renewal_attempt() {
    let (sim, client) = start();
    let (_, before) = subscribed(&sim, &client, "4000002760003184").await;

    advance(&sim, RENEWAL).await;
    let after = events(&sim).await.split_off(before);

    assert_eq!(types(&after)[3..], ["invoice.payment_failed", "invoice.payment_action_required", "customer.subscription.updated"]);
    assert_eq!(after[5]["data"]["object"]["status"], "past_due");
}

#[tokio::test]
async fn a_past_due_subscription_whose_card_is_fixed_is_paid_on_the_next_retry_and_active_again() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;
    advance(&sim, RENEWAL).await;
    let failed = events(&sim).await.len();

    set_card(&sim, &sub["customer"], "4242424242424242").await;
    advance(&sim, DAY).await;
    let after = events(&sim).await.split_off(failed);

    assert!(failed > before);
    assert_eq!(types(&after), ["invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"]);
    assert_eq!(after[2]["data"]["object"]["status"], "active");
    assert_eq!(after[0]["data"]["object"]["attempt_count"], 2);
}

#[tokio::test]
async fn a_past_due_subscription_canceled_now_is_never_retried_nor_canceled_again() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;
    advance(&sim, RENEWAL).await;
    let id = sub["id"].as_str().unwrap();
    let deleted = reqwest::Client::new().delete(format!("{}/v1/subscriptions/{id}", sim.base_url)).bearer_auth(common::KEY).send().await;
    assert_eq!(deleted.unwrap().status().as_u16(), 200);
    let before = events(&sim).await.len();

    advance(&sim, 8 * DAY).await;
    let after = events(&sim).await.split_off(before);
    let latest = get(&sim, &format!("/v1/subscriptions/{id}?expand[]=latest_invoice")).await.1["latest_invoice"].clone();

    assert_eq!(types(&after), Vec::<&str>::new());
    assert_eq!((latest["status"].as_str(), latest["next_payment_attempt"].clone()), (Some("open"), Value::Null));
    assert_eq!(latest["attempt_count"], 1);
}

#[tokio::test]
async fn a_subscription_set_to_cancel_at_period_end_ends_there_with_a_deleted_event() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    let id = sub["id"].as_str().unwrap();
    post(&sim, &format!("/v1/subscriptions/{id}"), &[("cancel_at_period_end", "true")], None).await;
    let before = events(&sim).await.len();

    advance(&sim, RENEWAL).await;
    let after = events(&sim).await.split_off(before);

    assert_eq!(types(&after), ["customer.subscription.deleted"]);
    assert_eq!(after[0]["data"]["object"]["status"], "canceled");
    assert_eq!(after[0]["data"]["object"]["ended_at"], sub["items"]["data"][0]["current_period_end"]);
}

#[tokio::test]
async fn clocks_do_not_go_back_and_decline_cards_cannot_be_saved() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;

    let past = (sim.clock.now() - DAY).to_string();
    let (back, body) = post(&sim, "/v1/test_helpers/test_clocks/clock_default/advance", &[("frozen_time", &past)], None).await;
    let (created, clock) = post(&sim, "/v1/test_helpers/test_clocks", &[("name", "renewals")], None).await;

    assert_eq!((back, body["error"]["param"].as_str()), (400, Some("frozen_time")));
    assert_eq!((created, clock["object"].as_str()), (200, Some("test_helpers.test_clock")));
    assert_eq!(set_card(&sim, &sub["customer"], "4000000000009995").await, 402);
}
