//! Stripe events that only inform, posted signed and observed in the notices the host
//! application receives: a trial ending, a renewal coming up, disputes.

use serde_json::{json, Value};

use crate::both_stores;
use crate::helpers::*;
use crate::receiver::*;
use crate::stripe::*;

async fn trial(store: Store) {
    let (app, receiver) = spawn_with_receiver(store).await;
    // Beta Labs' subscription starts its trial; the same object later tells that it ends soon.
    let ending = fixture_json("customer.subscription.trial_will_end.json");
    let mut started = ending.clone();
    started["id"] = "evt_test_trial_started".into();
    started["type"] = "customer.subscription.created".into();
    started["created"] = ending["data"]["object"]["start_date"].clone();
    assert_eq!(app.deliver(&body(&started)).await.status(), 200);
    let trialing = app.subscription_when("org_77", |s| s["status"] == "trialing").await;
    assert_eq!(trialing["plan"], "team");
    let mut other = ending.clone();
    other["id"] = "evt_test_trial_of_another".into();
    other["data"]["object"]["id"] = "sub_test_NotTracked".into();
    assert_eq!(app.deliver(&body(&other)).await.status(), 200);
    assert_eq!(app.deliver(&body(&ending)).await.status(), 200);
    let told = notices_when(&receiver, "trial_ends_soon", 1).await;
    let ends_at = chrono::DateTime::from_timestamp(ending["data"]["object"]["trial_end"].as_i64().unwrap(), 0).unwrap();
    assert_eq!(told[0].0, "org_77");
    assert_eq!(told[0].1["ends_at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()), Some(ends_at.into()));
    app.wait_for_finished_events(3).await;
    assert_eq!(received_notices(&receiver, "trial_ends_soon").await.len(), 1, "the other subscription's trial tells nothing");
    assert_eq!(app.subscription("org_77").await, trialing, "the state is unchanged");
}
both_stores!(a_trial_ending_soon_is_told_to_the_organization_of_the_trialing_subscription, trial);

async fn upcoming(store: Store) {
    let (app, receiver) = spawn_with_receiver(store).await;
    subscribe(&app, "price_business_monthly", "enterprise").await;
    let invoice = fixture_json("invoice.upcoming.json");
    assert_eq!(app.deliver(&body(&invoice)).await.status(), 200);
    let told = notices_when(&receiver, "renewal_upcoming", 1).await;
    let renews_at = chrono::DateTime::from_timestamp(invoice["data"]["object"]["period_end"].as_i64().unwrap(), 0).unwrap();
    assert_eq!(told[0].0, "org_42");
    assert_eq!(told[0].1["amount"], json!({"minor_units": 9900, "currency": "usd"}));
    assert_eq!(told[0].1["renews_at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()), Some(renews_at.into()));
    // Set to cancel at period end, the subscription will not renew: no reminder.
    assert_eq!(app.deliver(&fixture("customer.subscription.updated.cancel_at_period_end.json")).await.status(), 200);
    app.subscription_when("org_42", |s| s["cancel_at_period_end"] == true).await;
    let mut again = invoice.clone();
    again["id"] = "evt_test_upcoming_again".into();
    again["created"] = chrono::Utc::now().timestamp().into();
    assert_eq!(app.deliver(&body(&again)).await.status(), 200);
    app.wait_for_metrics(|m| m.contains("billing_webhooks_finished_total{outcome=\"processed\",type=\"invoice.upcoming\"} 2")).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(received_notices(&receiver, "renewal_upcoming").await.len(), 1);
}
both_stores!(an_upcoming_renewal_is_told_with_its_amount_and_date_unless_the_subscription_ends, upcoming);

const DISPUTED_CHARGE: &str = "ch_test_3RvK8o3Aug2026Mn";

async fn disputes(store: Store) {
    let (app, receiver) = spawn_with_receiver(store).await;
    subscribe(&app, "price_business_monthly", "enterprise").await;
    // The dispute names only its charge; the charge names the customer org_42 owns.
    let mut charge = fixture_json("charge.refunded.json")["data"]["object"].clone();
    charge["id"] = DISPUTED_CHARGE.into();
    mount(&app.stripe, "GET", &format!("/v1/charges/{DISPUTED_CHARGE}"), 200, charge).await;
    assert_eq!(app.deliver(&fixture("charge.dispute.created.json")).await.status(), 200);
    let opened = notices_when(&receiver, "dispute_opened", 1).await;
    assert_eq!(opened[0].0, "org_42");
    let expected = json!({"kind": "dispute_opened", "dispute": "dp_test_1S1bQx15Sep2026Kl", "amount": {"minor_units": 2900, "currency": "usd"},
        "reason": "fraudulent", "status": "warning_needs_response"});
    assert_eq!(opened[0].1, expected);
    assert_eq!(app.deliver(&fixture("charge.dispute.closed.json")).await.status(), 200);
    let closed = notices_when(&receiver, "dispute_closed", 1).await;
    assert_eq!((closed[0].0.as_str(), closed[0].1["status"].as_str()), ("org_42", Some("warning_closed")));
    let metrics = app.metrics().await;
    assert!(metrics.contains("billing_stripe_calls_total{operation=\"retrieve_charge\",outcome=\"ok\"} 2"), "{metrics}");
    assert_eq!(app.subscription("org_42").await["plan"], Value::from("enterprise"), "a dispute changes no plan");
}
both_stores!(a_dispute_is_told_to_the_organization_owning_the_disputed_charges_customer, disputes);
