//! Driving simulated time and reading what happened: subscriptions made by Checkout, the event
//! log, the clock and the saved card.

use billing_stripe::StripeClient;
use serde_json::Value;
use stripe_sim::SimHandle;

use super::{get, post, subscribe};

pub const DAY: i64 = 86_400;
/// Just past the end of the first 30-day period, before the first retry a day later.
pub const RENEWAL: i64 = 30 * DAY + 3600;

/// Subscribes to `price` with `card`; returns the subscription and how many events exist so far.
pub async fn subscribed_to(sim: &SimHandle, client: &StripeClient, price: &str, card: &str) -> (Value, usize) {
    let (status, done) = subscribe(sim, client, price, card).await;
    assert_eq!(status, 200, "{done}");
    let id = done["checkout_session"]["subscription"].as_str().unwrap();
    (get(sim, &format!("/v1/subscriptions/{id}")).await.1, events(sim).await.len())
}

/// Subscribes to Team with `card`.
pub async fn subscribed(sim: &SimHandle, client: &StripeClient, card: &str) -> (Value, usize) {
    subscribed_to(sim, client, "price_team_monthly", card).await
}

/// Every event, oldest first.
pub async fn events(sim: &SimHandle) -> Vec<Value> {
    let mut all = get(sim, "/v1/events?limit=100").await.1["data"].as_array().unwrap().clone();
    all.reverse();
    all
}

/// The events after the first `before`, oldest first.
pub async fn events_since(sim: &SimHandle, before: usize) -> Vec<Value> {
    events(sim).await.split_off(before)
}

pub fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|event| event["type"].as_str().unwrap()).collect()
}

/// Advances the simulator-wide clock by `secs`; returns the new frozen time.
pub async fn advance(sim: &SimHandle, secs: i64) -> i64 {
    let target = sim.clock.now() + secs;
    let (status, clock) =
        post(sim, "/v1/test_helpers/test_clocks/clock_default/advance", &[("frozen_time", &target.to_string())], None).await;
    assert_eq!((status, clock["status"].as_str()), (200, Some("ready")), "{clock}");
    target
}

pub async fn set_card(sim: &SimHandle, customer: &Value, card: &str) -> u16 {
    post(sim, &format!("/v1/test_helpers/customers/{}/card", customer.as_str().unwrap()), &[("card", card)], None).await.0
}

pub fn period_start(sub: &Value) -> i64 {
    sub["items"]["data"][0]["current_period_start"].as_i64().unwrap()
}

pub fn period_end(sub: &Value) -> i64 {
    sub["items"]["data"][0]["current_period_end"].as_i64().unwrap()
}

pub fn price_of(sub: &Value) -> &str {
    sub["items"]["data"][0]["price"]["id"].as_str().unwrap()
}

/// The subscription as it is now.
pub async fn reread(sim: &SimHandle, sub: &Value) -> Value {
    get(sim, &format!("/v1/subscriptions/{}", sub["id"].as_str().unwrap())).await.1
}

/// A raw change to `price` with `proration_behavior` and `payment_behavior`.
pub async fn change_to(sim: &SimHandle, sub: &Value, price: &str, behavior: &str, payment: Option<&str>) -> (u16, Value) {
    let mut form = vec![
        ("items[0][id]", sub["items"]["data"][0]["id"].as_str().unwrap()),
        ("items[0][price]", price),
        ("proration_behavior", behavior),
    ];
    if let Some(payment) = payment {
        form.push(("payment_behavior", payment));
    }
    post(sim, &format!("/v1/subscriptions/{}", sub["id"].as_str().unwrap()), &form, None).await
}
