//! The drift check: paid organizations compared with Stripe on a schedule, nothing written.

use std::time::Duration;

use billing_server::workers::Cadence;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::both_stores;
use crate::helpers::*;
use crate::stripe::{subscribe, subscription_on, SUB};

async fn stripe_has(app: &TestApp, price: &str) {
    app.stripe.reset().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/subscriptions/{SUB}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(subscription_on(price)))
        .mount(&app.stripe)
        .await;
}

async fn drift_gauge(store: Store) {
    let (database, dir) = database(store).await;
    let cadence = Cadence { drift_first: Duration::ZERO, drift_every: Some(Duration::from_millis(200)), ..cadence() };
    let app = spawn_paced(database, dir, true, cadence, |_| {}).await;
    subscribe(&app, "price_business_monthly", "enterprise").await;
    // Stripe moved the subscription to Team and no event told us.
    stripe_has(&app, "price_team_monthly").await;
    let metrics = app.wait_for_metrics(|m| m.contains("billing_drifted_organizations 1")).await;
    assert!(metrics.contains("billing_drift_checked_organizations 1"), "{metrics}");
    assert!(metrics.contains("billing_drift_check_failures 0"), "{metrics}");
    assert!(!metrics.contains("billing_drift_check_completed_timestamp_seconds 0\n"), "{metrics}");
    assert_eq!(app.subscription("org_42").await["plan"], "enterprise", "a drift check changes nothing");

    // Stripe agrees again: the next check clears the gauge.
    stripe_has(&app, "price_business_monthly").await;
    app.wait_for_metrics(|m| m.contains("billing_drifted_organizations 0")).await;
    // Stripe cannot be read: the organization is counted as not compared, not as agreeing.
    app.stripe.reset().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(500)).mount(&app.stripe).await;
    app.wait_for_metrics(|m| m.contains("billing_drift_check_failures 1")).await;
}
both_stores!(a_drift_check_counts_organizations_whose_state_differs_from_stripe_and_writes_nothing, drift_gauge);
