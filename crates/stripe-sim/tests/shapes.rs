//! The objects the simulator sends carry the fields of the project's Stripe fixtures

#![allow(clippy::unwrap_used)]
//! (`fixtures/stripe/`, endive shapes), nested objects included.

mod common;

use billing_stripe::EventListFilter;
use common::{start, subscribe};
use serde_json::Value;

/// Every path whose key sets differ between `ours` and `theirs`, where both are objects.
fn key_differences(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let missing: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
            let extra: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
            if !missing.is_empty() || !extra.is_empty() {
                out.push(format!("{path}: missing {missing:?}, extra {extra:?}"));
            }
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    key_differences(&format!("{path}.{key}"), value, other, out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(first), Some(other)) = (a.first(), b.first()) {
                key_differences(&format!("{path}[0]"), first, other, out);
            }
        }
        _ => {}
    }
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../fixtures/stripe/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn checkout_events_have_exactly_the_fields_of_the_fixtures() {
    let (sim, client) = start();
    subscribe(&sim, &client, "price_team_monthly", "4242424242424242").await;
    let events = client.events_list_all(&EventListFilter::default(), 5).await.unwrap();
    let ours = |event_type: &str| -> Value {
        let event = events.iter().find(|e| e.envelope.event_type == event_type).unwrap();
        serde_json::from_slice(&event.payload).unwrap()
    };

    let mut differences = Vec::new();
    for (event_type, file) in [
        ("customer.subscription.created", "customer.subscription.created.json"),
        ("invoice.paid", "invoice.paid.json"),
        ("checkout.session.completed", "checkout.session.completed.json"),
    ] {
        key_differences(event_type, &ours(event_type), &fixture(file), &mut differences);
    }

    assert!(differences.is_empty(), "{differences:#?}");
}

#[tokio::test]
async fn schedule_and_refund_events_have_exactly_the_fields_of_the_fixtures() {
    let (sim, client) = start();
    let (_, done) = subscribe(&sim, &client, "price_team_monthly", "4242424242424242").await;
    let sub = done["checkout_session"]["subscription"].as_str().unwrap();
    common::post(&sim, "/v1/subscription_schedules", &[("from_subscription", sub)], None).await;
    let invoice = common::get(&sim, &format!("/v1/subscriptions/{sub}?expand[]=latest_invoice.payments")).await.1;
    let intent = invoice["latest_invoice"]["payments"]["data"][0]["payment"]["payment_intent"].as_str().unwrap().to_owned();
    let charge = common::get(&sim, &format!("/v1/payment_intents/{intent}")).await.1["latest_charge"].as_str().unwrap().to_owned();
    common::post(&sim, "/v1/refunds", &[("charge", charge.as_str())], None).await;
    let events = client.events_list_all(&EventListFilter::default(), 5).await.unwrap();
    let ours = |event_type: &str| -> Value {
        let event = events.iter().find(|e| e.envelope.event_type == event_type).unwrap();
        serde_json::from_slice(&event.payload).unwrap()
    };

    let mut differences = Vec::new();
    for (event_type, file) in
        [("subscription_schedule.created", "subscription_schedule.created.json"), ("charge.refunded", "charge.refunded.json")]
    {
        key_differences(event_type, &ours(event_type), &fixture(file), &mut differences);
    }

    assert!(differences.is_empty(), "{differences:#?}");
}
