//! Pending price changes over their life: replaced by a later change, dropped with their voided
//! invoice, and expiring with the period.

#![allow(clippy::unwrap_used)]

mod common;

use billing_stripe::StripeClient;
use common::world::{
    advance, change_to, events, events_since, period_end, period_start, price_of, reread, set_card, subscribed, types, DAY,
};
use common::{get, post, start};
use serde_json::Value;
use stripe_sim::SimHandle;

/// A change to Enterprise with `always_invoice` and `pending_if_incomplete`.
async fn pending_change(sim: &SimHandle, sub: &Value) -> (u16, Value) {
    change_to(sim, sub, "price_enterprise_monthly", "always_invoice", Some("pending_if_incomplete")).await
}

/// A Team subscription whose card then fails, with a change to Enterprise left pending; returns
/// the subscription and the pending change's invoice id.
async fn pending_upgrade(sim: &SimHandle, client: &StripeClient) -> (Value, String) {
    let (sub, _) = subscribed(sim, client, "4242424242424242").await;
    set_card(sim, &sub["customer"], "4000000000000341").await;
    let (status, pending) = pending_change(sim, &sub).await;
    assert_eq!((status, pending["pending_update"].is_object()), (200, true), "{pending}");
    (sub, pending["latest_invoice"].as_str().unwrap().to_owned())
}

async fn invoice_status(sim: &SimHandle, id: &str) -> String {
    get(sim, &format!("/v1/invoices/{id}")).await.1["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_second_pending_change_voids_the_first_ones_invoice_and_waits_for_its_own() {
    let (sim, client) = start();
    let (sub, first) = pending_upgrade(&sim, &client).await;
    let before = events(&sim).await.len();

    let (status, second) = pending_change(&sim, &sub).await;
    let after = events_since(&sim, before).await;

    assert_eq!(status, 200, "{second}");
    assert_eq!(types(&after)[0], "invoice.voided");
    assert_eq!(after[0]["data"]["object"]["id"], first.as_str());
    assert_eq!(invoice_status(&sim, &first).await, "void");
    assert_ne!(second["latest_invoice"], first.as_str());
    assert_eq!(second["pending_update"]["subscription_items"][0]["price"]["id"], "price_enterprise_monthly");
    assert_eq!(price_of(&second), "price_team_monthly");
    let updated = after.last().unwrap();
    assert_eq!(
        updated["data"]["previous_attributes"]["pending_update"]["subscription_items"][0]["price"]["id"],
        "price_enterprise_monthly"
    );
}

#[tokio::test]
async fn a_paid_change_while_another_is_pending_clears_the_pending_update_and_voids_its_invoice() {
    let (sim, client) = start();
    let (sub, first) = pending_upgrade(&sim, &client).await;
    set_card(&sim, &sub["customer"], "4242424242424242").await;

    let (status, changed) = change_to(&sim, &sub, "price_solo_monthly", "always_invoice", Some("pending_if_incomplete")).await;

    assert_eq!((status, price_of(&changed)), (200, "price_solo_monthly"), "{changed}");
    assert_eq!(changed["pending_update"], Value::Null);
    assert_eq!(invoice_status(&sim, &first).await, "void");
}

#[tokio::test]
async fn a_change_without_an_invoice_also_drops_the_pending_one() {
    let (sim, client) = start();
    let (sub, first) = pending_upgrade(&sim, &client).await;

    let (status, changed) = change_to(&sim, &sub, "price_solo_monthly", "none", None).await;

    assert_eq!((status, price_of(&changed)), (200, "price_solo_monthly"), "{changed}");
    assert_eq!(changed["pending_update"], Value::Null);
    assert_eq!(invoice_status(&sim, &first).await, "void");
}

#[tokio::test]
async fn voiding_the_invoice_of_a_pending_update_drops_the_update() {
    let (sim, client) = start();
    let (sub, first) = pending_upgrade(&sim, &client).await;
    let before = events(&sim).await.len();

    let (status, voided) = post(&sim, &format!("/v1/invoices/{first}/void"), &[], None).await;
    let after = events_since(&sim, before).await;

    assert_eq!((status, voided["status"].as_str()), (200, Some("void")), "{voided}");
    assert_eq!(types(&after), ["invoice.voided", "customer.subscription.updated"]);
    let now = reread(&sim, &sub).await;
    assert_eq!((now["pending_update"].clone(), price_of(&now)), (Value::Null, "price_team_monthly"));
}

#[tokio::test]
async fn a_pending_update_made_near_the_period_end_expires_there_before_the_renewal() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    advance(&sim, 29 * DAY + 12 * 3600).await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;

    let (status, pending) = pending_change(&sim, &sub).await;
    let before = events(&sim).await.len();
    advance(&sim, DAY).await;
    let after = events_since(&sim, before).await;

    assert_eq!(status, 200, "{pending}");
    let period_end = period_end(&sub);
    assert_eq!(pending["pending_update"]["expires_at"].as_i64(), Some(period_end));
    assert_eq!(
        types(&after)[..4],
        [
            "invoice.voided",
            "customer.subscription.pending_update_expired",
            "customer.subscription.updated",
            "customer.subscription.updated"
        ]
    );
    assert_eq!(after[0]["created"].as_i64(), Some(period_end));
    assert_eq!(period_start(&after[3]["data"]["object"]), period_end);
}
