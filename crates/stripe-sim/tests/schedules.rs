//! Subscription schedules through billing-stripe's `schedule_downgrade` and `release_schedule`:
//! made from the subscription, given a downgrade at period end, switched and released by the
//! test clock, or released and canceled on request.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::{PaymentProvider, ScheduledDowngrade};
use billing_core::{StripePriceId, StripeSubscriptionId};
use billing_stripe::StripeClient;
use chrono::DateTime;
use common::world::{advance, events_since, period_end, price_of, reread, subscribed, types, DAY, RENEWAL};
use common::{get, key, post, start};
use serde_json::Value;
use stripe_sim::SimHandle;

fn id_of(sub: &Value) -> StripeSubscriptionId {
    sub["id"].as_str().unwrap().parse().unwrap()
}

/// Schedules the Team subscription's move to Solo at its period end, as the server does.
async fn downgrade(client: &StripeClient, sub: &Value) {
    let downgrade = ScheduledDowngrade {
        subscription: id_of(sub),
        current_price: StripePriceId::parse("price_team_monthly").unwrap(),
        price: StripePriceId::parse("price_solo_monthly").unwrap(),
        effective_at: DateTime::from_timestamp(period_end(sub), 0).unwrap(),
    };
    client.schedule_downgrade(&downgrade, &key("downgrade")).await.unwrap();
}

async fn schedule_of(sim: &SimHandle, sub: &Value) -> Value {
    let expanded = get(sim, &format!("/v1/subscriptions/{}?expand[]=schedule", sub["id"].as_str().unwrap())).await.1;
    expanded["schedule"].clone()
}

#[tokio::test]
async fn a_downgrade_makes_a_schedule_of_two_phases_the_subscription_names() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;

    downgrade(&client, &sub).await;
    let after = events_since(&sim, before).await;
    let schedule = schedule_of(&sim, &sub).await;

    assert_eq!(types(&after), ["subscription_schedule.created", "subscription_schedule.updated"]);
    assert_eq!(schedule["object"], "subscription_schedule");
    assert_eq!((schedule["status"].as_str(), schedule["end_behavior"].as_str()), (Some("active"), Some("release")));
    let phases = schedule["phases"].as_array().unwrap();
    assert_eq!(
        phases.iter().map(|p| p["items"][0]["price"].as_str().unwrap()).collect::<Vec<_>>(),
        ["price_team_monthly", "price_solo_monthly"]
    );
    assert_eq!(phases[0]["end_date"].as_i64(), Some(period_end(&sub)));
    assert_eq!(phases[1]["start_date"], phases[0]["end_date"]);
    assert_eq!(schedule["current_phase"]["start_date"], phases[0]["start_date"]);
    let snapshot = client.retrieve_subscription(&id_of(&sub)).await.unwrap();
    assert_eq!(snapshot.schedule_id.map(|id| id.as_str().to_owned()).as_deref(), schedule["id"].as_str());
}

#[tokio::test]
async fn the_clock_switches_the_price_at_the_boundary_and_releases_when_the_last_phase_ends() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    downgrade(&client, &sub).await;
    let before = common::world::events(&sim).await.len();

    advance(&sim, RENEWAL).await;
    let switched = events_since(&sim, before).await;
    advance(&sim, 30 * DAY).await;
    let released = events_since(&sim, before + switched.len()).await;

    assert_eq!(
        types(&switched),
        [
            "customer.subscription.updated",
            "subscription_schedule.updated",
            "invoice.created",
            "invoice.finalized",
            "invoice.paid",
            "invoice.payment_succeeded"
        ]
    );
    assert_eq!(switched[0]["data"]["previous_attributes"]["items"]["data"][0]["price"]["id"], "price_team_monthly");
    assert_eq!(price_of(&switched[0]["data"]["object"]), "price_solo_monthly");
    assert_eq!(switched[4]["data"]["object"]["amount_paid"], 2_900);
    assert_eq!(types(&released)[..2], ["subscription_schedule.released", "customer.subscription.updated"]);
    assert_eq!(released[0]["data"]["object"]["released_subscription"], sub["id"]);
    let now = reread(&sim, &sub).await;
    assert_eq!((now["schedule"].clone(), price_of(&now)), (Value::Null, "price_solo_monthly"));
}

#[tokio::test]
async fn releasing_detaches_the_schedule_and_keeps_the_price() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    downgrade(&client, &sub).await;
    let before = common::world::events(&sim).await.len();

    client.release_schedule(&id_of(&sub), &key("release")).await.unwrap();
    let after = events_since(&sim, before).await;
    advance(&sim, RENEWAL).await;

    assert_eq!(types(&after), ["subscription_schedule.released"]);
    let object = &after[0]["data"]["object"];
    assert_eq!((object["status"].as_str(), object["subscription"].clone()), (Some("released"), Value::Null));
    assert_eq!(after[0]["data"]["previous_attributes"]["subscription"], sub["id"]);
    let now = reread(&sim, &sub).await;
    assert_eq!((now["schedule"].clone(), price_of(&now)), (Value::Null, "price_team_monthly"));
}

#[tokio::test]
async fn canceling_the_subscription_cancels_its_schedule() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    downgrade(&client, &sub).await;
    let before = common::world::events(&sim).await.len();

    client.cancel_now(&id_of(&sub), &key("cancel")).await.unwrap();
    let after = events_since(&sim, before).await;

    assert_eq!(types(&after), ["customer.subscription.deleted", "subscription_schedule.canceled"]);
    assert_eq!(after[1]["data"]["object"]["status"], "canceled");
}

#[tokio::test]
async fn a_changed_start_of_the_current_phase_or_a_second_schedule_is_refused() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    downgrade(&client, &sub).await;
    let schedule = schedule_of(&sim, &sub).await;
    let moved = (schedule["phases"][0]["start_date"].as_i64().unwrap() + 1).to_string();
    let path = format!("/v1/subscription_schedules/{}", schedule["id"].as_str().unwrap());

    let (status, body) =
        post(&sim, &path, &[("phases[0][items][0][price]", "price_team_monthly"), ("phases[0][start_date]", &moved)], None).await;
    let (again, second) = post(&sim, "/v1/subscription_schedules", &[("from_subscription", sub["id"].as_str().unwrap())], None).await;
    let (extra, mixed) =
        post(&sim, "/v1/subscription_schedules", &[("from_subscription", sub["id"].as_str().unwrap()), ("end_behavior", "cancel")], None)
            .await;

    assert_eq!((status, body["error"]["param"].as_str()), (400, Some("phases[0][start_date]")));
    assert_eq!((again, second["error"]["param"].as_str()), (400, Some("from_subscription")));
    assert_eq!((extra, mixed["error"]["param"].as_str()), (400, Some("end_behavior")));
}

#[tokio::test]
async fn a_schedule_in_its_second_phase_takes_new_phases_from_the_running_one() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    let path = |schedule: &Value| format!("/v1/subscription_schedules/{}", schedule["id"].as_str().unwrap());
    downgrade(&client, &sub).await;
    let schedule = schedule_of(&sim, &sub).await;
    let (start, end) = (schedule["phases"][0]["start_date"].as_i64().unwrap(), period_end(&sub));
    let three = [
        ("phases[0][items][0][price]", "price_team_monthly".to_owned()),
        ("phases[0][start_date]", start.to_string()),
        ("phases[0][end_date]", end.to_string()),
        ("phases[1][items][0][price]", "price_solo_monthly".to_owned()),
        ("phases[1][duration][interval]", "month".to_owned()),
        ("phases[2][items][0][price]", "price_enterprise_monthly".to_owned()),
    ];
    let form: Vec<(&str, &str)> = three.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post(&sim, &path(&schedule), &form, None).await.0, 200);
    advance(&sim, RENEWAL).await;

    let running = schedule_of(&sim, &sub).await;
    let second_start = running["current_phase"]["start_date"].as_i64().unwrap();
    let (old_start, _) = post(
        &sim,
        &path(&running),
        &[("phases[0][items][0][price]", "price_solo_monthly"), ("phases[0][start_date]", &start.to_string())],
        None,
    )
    .await;
    let (kept, updated) = post(
        &sim,
        &path(&running),
        &[("phases[0][items][0][price]", "price_solo_monthly"), ("phases[0][start_date]", &second_start.to_string())],
        None,
    )
    .await;

    assert_eq!(second_start, end);
    assert_eq!(old_start, 400);
    assert_eq!(kept, 200, "{updated}");
    assert_eq!(updated["phases"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn phases_the_simulator_could_not_follow_are_refused_with_the_param_named() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    downgrade(&client, &sub).await;
    let schedule = schedule_of(&sim, &sub).await;
    let path = format!("/v1/subscription_schedules/{}", schedule["id"].as_str().unwrap());
    let (end, early) = (period_end(&sub).to_string(), (period_end(&sub) - DAY).to_string());
    let before = common::world::events(&sim).await.len();

    let (other_price, price_body) =
        post(&sim, &path, &[("phases[0][items][0][price]", "price_enterprise_monthly"), ("phases[0][end_date]", &end)], None).await;
    let (mid_period, end_body) =
        post(&sim, &path, &[("phases[0][items][0][price]", "price_team_monthly"), ("phases[0][end_date]", &early)], None).await;
    let week = [
        ("phases[0][items][0][price]", "price_team_monthly"),
        ("phases[0][end_date]", end.as_str()),
        ("phases[1][items][0][price]", "price_solo_monthly"),
        ("phases[1][duration][interval]", "week"),
        ("phases[2][items][0][price]", "price_team_monthly"),
    ];
    let (short, week_body) = post(&sim, &path, &week, None).await;

    assert_eq!((other_price, price_body["error"]["param"].as_str()), (400, Some("phases[0][items][0][price]")), "{price_body}");
    assert_eq!((mid_period, end_body["error"]["param"].as_str()), (400, Some("phases[0][end_date]")), "{end_body}");
    assert_eq!((short, week_body["error"]["param"].as_str()), (400, Some("phases[1][duration]")), "{week_body}");
    assert_eq!(price_body["error"]["type"], "invalid_request_error");
    assert!(events_since(&sim, before).await.is_empty());
    assert_eq!(schedule_of(&sim, &sub).await["phases"], schedule["phases"]);
}
