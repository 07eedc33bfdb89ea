//! Changes made outside our API, in Stripe's Customer Portal or Dashboard: a downgrade
//! scheduled there, a cancellation, and a second subscription on the same customer.

use billing_server::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_stores;
use crate::helpers::*;
use crate::receiver::*;
use crate::stripe::*;

/// The scheduled change the read API shows, as `(plan, effective_at)`.
fn scheduled(subscription: &Value) -> Option<(String, i64)> {
    let change = subscription["scheduled_change"].as_object()?;
    let at = change["effective_at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())?;
    Some((change["plan"].as_str()?.to_owned(), at.timestamp()))
}

async fn portal_downgrade(store: Store) {
    let app = spawn_app(store).await;
    subscribe(&app, "price_business_monthly", "enterprise").await;
    // The portal's schedule names no organization: the customer's owner is found.
    let made = fixture_json("subscription_schedule.created.json");
    let switch_at = made["data"]["object"]["phases"][1]["start_date"].as_i64().unwrap();
    assert_eq!(app.deliver(&body(&made)).await.status(), 200);
    let pending = app.subscription_when("org_42", |s| !s["scheduled_change"].is_null()).await;
    assert_eq!(scheduled(&pending), Some(("team".to_owned(), switch_at)));
    assert_eq!(pending["plan"], "enterprise", "the paid plan stays until the phase starts");
    assert!(pending["notices"].as_array().unwrap().iter().any(|n| n["kind"] == "plan_changes_on"), "{pending}");
    // The customer then cancels in the portal, which releases the schedule first; the older
    // creation delivered again afterwards schedules nothing.
    assert_eq!(app.deliver(&fixture("subscription_schedule.released.json")).await.status(), 200);
    app.subscription_when("org_42", |s| s["scheduled_change"].is_null()).await;
    let mut late = made.clone();
    late["id"] = "evt_test_late_schedule_update".into();
    late["type"] = "subscription_schedule.updated".into();
    assert_eq!(app.deliver(&body(&late)).await.status(), 200);
    let metrics = app.wait_for_finished_events(4).await;
    assert!(metrics.contains("billing_webhooks_finished_total{outcome=\"stale\",type=\"subscription_schedule.updated\"} 1"), "{metrics}");
    assert!(app.subscription("org_42").await["scheduled_change"].is_null());
    assert_eq!(app.deliver(&fixture("customer.subscription.updated.cancel_at_period_end.json")).await.status(), 200);
    let ending = app.subscription_when("org_42", |s| s["cancel_at_period_end"] == true).await;
    assert_eq!((ending["plan"].as_str(), ending["notices"][0]["kind"].as_str()), (Some("enterprise"), Some("ends_on")));
}
both_stores!(a_downgrade_scheduled_in_the_portal_shows_until_its_schedule_is_released, portal_downgrade);

async fn own_downgrade(store: Store) {
    let app = spawn_app(store).await;
    subscribe(&app, "price_team_monthly", "team").await;
    mount(&app.stripe, "GET", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_team_monthly")).await;
    let schedule = json!({"id": "sub_sched_test_own", "object": "subscription_schedule", "status": "active", "subscription": SUB});
    mount(&app.stripe, "POST", "/v1/subscription_schedules", 200, schedule.clone()).await;
    mount(&app.stripe, "POST", "/v1/subscription_schedules/sub_sched_test_own", 200, schedule).await;
    let (status, body) = app.owner_post("/api/billing/plan", json!({"plan": "solo"})).await;
    assert_eq!((status, body["scheduled_change"]["plan"].as_str()), (200, Some("solo")), "{body}");
    let ours = scheduled(&body);
    // Stripe's events about that schedule: made from the subscription (one phase) after its
    // phases were set, both newer than the command, delivered in the wrong order.
    let now = chrono::Utc::now().timestamp();
    let mut phased = fixture_json("subscription_schedule.created.json");
    phased["id"] = "evt_test_own_phased".into();
    phased["type"] = "subscription_schedule.updated".into();
    phased["created"] = (now + 1).into();
    let object = &mut phased["data"]["object"];
    object["id"] = "sub_sched_test_own".into();
    object["phases"][0]["items"][0]["price"] = "price_team_monthly".into();
    object["phases"][1]["items"][0]["price"] = "price_solo_monthly".into();
    object["phases"][1]["start_date"] = ours.as_ref().map(|(_, at)| *at).into();
    let mut made = phased.clone();
    made["id"] = "evt_test_own_made".into();
    made["type"] = "subscription_schedule.created".into();
    made["created"] = now.into();
    made["data"]["object"]["phases"].as_array_mut().unwrap().truncate(1);
    for event in [&phased, &made] {
        assert_eq!(app.deliver(&self::body(event)).await.status(), 200);
    }
    app.wait_for_finished_events(3).await;
    assert_eq!(scheduled(&app.subscription("org_42").await), ours, "our downgrade stands");
}
both_stores!(our_own_downgrade_stands_whatever_the_order_of_stripes_events_about_its_schedule, own_downgrade);

/// The plan-change fixture as another subscription of the same customer, on `price`.
fn second_subscription(id: &str, price: &str, event: &str) -> Value {
    let mut other = fixture_json("customer.subscription.updated.plan_change.json");
    other["id"] = event.into();
    other["created"] = chrono::Utc::now().timestamp().into();
    other["data"]["object"] = subscription_on(price);
    other["data"]["object"]["id"] = id.into();
    other["data"]["object"]["items"]["data"][0]["subscription"] = id.into();
    other
}

async fn second_live(store: Store) {
    let (app, receiver) = spawn_with_receiver(store).await;
    subscribe(&app, "price_business_monthly", "enterprise").await;
    let second = second_subscription("sub_test_SecondLive", "price_team_monthly", "evt_test_second_live");
    assert_eq!(app.deliver(&body(&second)).await.status(), 200);
    let reported = notices_when(&receiver, "second_subscription", 1).await;
    assert_eq!(
        (reported[0].0.as_str(), &reported[0].1),
        ("org_42", &json!({"kind": "second_subscription", "subscription": "sub_test_SecondLive", "status": "active"}))
    );
    // Another product's subscription on the same customer is set aside, neither reported nor dead.
    let other_product = second_subscription("sub_test_OtherProduct", "price_other_product", "evt_test_other_product");
    assert_eq!(app.deliver(&body(&other_product)).await.status(), 200);
    let metrics = app
        .wait_for_metrics(|m| m.contains("billing_webhooks_finished_total{outcome=\"ignored\",type=\"customer.subscription.updated\"} 2"))
        .await;
    assert!(!metrics.contains("billing_webhooks_finished_total{outcome=\"dead\""), "{metrics}");
    let s = app.subscription("org_42").await;
    assert_eq!(
        (s["plan"].as_str(), s["status"].as_str()),
        (Some("enterprise"), Some("active")),
        "the first subscription keeps the organization"
    );
    assert_eq!(received_notices(&receiver, "second_subscription").await.len(), 1);
    let (_, org) = app.send(Method::GET, "/api/organization", Role::Member, None).await;
    assert_eq!(org["organization"]["limits"]["max_users"], Value::Null, "Enterprise limits still apply");
}
both_stores!(a_second_live_subscription_is_reported_and_does_not_replace_the_first, second_live);
