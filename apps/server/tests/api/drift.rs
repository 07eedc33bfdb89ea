//! The drift check: paid organizations compared with Stripe on a schedule, nothing written.

use std::time::Duration;

use billing_server::workers::Cadence;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::both_stores;
use crate::helpers::*;
use crate::stripe::{subscription_on, SUB};

/// Stripe answers with `subscription`, on `price`.
async fn stripe_has(app: &TestApp, subscription: &Value, price: &str) {
    let mut subscription = subscription.clone();
    subscription["items"]["data"][0]["price"]["id"] = price.into();
    app.stripe.reset().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/subscriptions/{SUB}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(subscription))
        .mount(&app.stripe)
        .await;
}

/// Puts org_42 on Enterprise through a delivered event and returns the subscription as delivered.
async fn subscribed(app: &TestApp) -> Value {
    let mut event = fixture_json("customer.subscription.updated.plan_change.json");
    event["data"]["object"] = subscription_on("price_business_monthly");
    // The delivery is moved to now; Stripe must answer with the very same subscription.
    let delivered = body(&event);
    assert_eq!(app.deliver(&delivered).await.status(), 200);
    app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    serde_json::from_slice::<Value>(&delivered).unwrap()["data"]["object"].clone()
}

async fn drift_gauge(store: Store) {
    let (database, dir) = database(store).await;
    let cadence = Cadence { drift_first: Duration::ZERO, drift_every: Some(Duration::from_millis(200)), ..cadence() };
    let app = spawn_paced(database, dir, true, cadence, |_| {}).await;
    let subscription = subscribed(&app).await;
    // Stripe moved the subscription to Team and no event told us.
    stripe_has(&app, &subscription, "price_team_monthly").await;
    let metrics = app.wait_for_metrics(|m| m.contains("billing_drifted_organizations 1")).await;
    assert!(metrics.contains("billing_drift_checked_organizations 1"), "{metrics}");
    assert!(metrics.contains("billing_drift_check_failures 0"), "{metrics}");
    assert!(!metrics.contains("billing_drift_check_completed_timestamp_seconds 0\n"), "{metrics}");
    assert_eq!(app.subscription("org_42").await["plan"], "enterprise", "a drift check changes nothing");

    // Stripe agrees again: the next check clears the gauge.
    stripe_has(&app, &subscription, "price_business_monthly").await;
    app.wait_for_metrics(|m| m.contains("billing_drifted_organizations 0")).await;
    // Stripe cannot be read: the organization is counted as not compared, not as agreeing.
    app.stripe.reset().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(500)).mount(&app.stripe).await;
    app.wait_for_metrics(|m| m.contains("billing_drift_check_failures 1")).await;
}
both_stores!(a_drift_check_counts_organizations_whose_state_differs_from_stripe_and_writes_nothing, drift_gauge);
