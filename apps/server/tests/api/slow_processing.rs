//! EC-13: a delivery is acknowledged once it is recorded, however long applying it takes.

use billing_core::ports::EventStatus;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::both_stores;
use crate::helpers::*;
use crate::stripe::{subscription_on, SUB};

async fn slow_apply(store: Store) {
    let app = spawn_app(store).await;
    // Applying this checkout needs the subscription from Stripe, which takes two seconds to answer.
    Mock::given(method("GET"))
        .and(path(format!("/v1/subscriptions/{SUB}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(subscription_on("price_business_monthly"))
                .set_delay(std::time::Duration::from_secs(2)),
        )
        .expect(1..)
        .mount(&app.stripe)
        .await;
    let completed = fixture_json("checkout.session.completed.json");
    let id = completed["id"].as_str().unwrap().to_owned();
    assert_eq!(app.deliver(&body(&completed)).await.status(), 200);
    // The answer came before the event was applied: it is still waiting or in a worker's hands.
    let entry = app.ledger_entry(&id).await;
    assert!(matches!(entry.status, EventStatus::Received | EventStatus::Processing), "{:?}", entry.status);
    app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    assert_eq!(app.ledger_entry(&id).await.status, EventStatus::Processed);
}
both_stores!(a_delivery_is_acknowledged_when_recorded_and_applied_in_the_background_however_slow, slow_apply);
