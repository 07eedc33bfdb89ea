//! Free trials granted at Checkout: the subscription trialing with an invoice of nothing, the
//! notice three days before the end, and the first charge at the end.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::{EventDecoder, PaymentProvider};
use billing_core::{StripeFact, StripeSubscriptionId, SubscriptionStatus};
use billing_stripe::{StripeClient, StripeEventDecoder};
use common::world::{advance, events, events_since, period_end, period_start, reread, set_card, types, DAY};
use common::{customer, get, post, start};
use serde_json::Value;
use stripe_sim::SimHandle;

/// Opens a Team session with `trial` (`subscription_data[…]` pairs); status and body.
async fn trial_session(sim: &SimHandle, client: &StripeClient, trial: &[(&str, &str)]) -> (u16, Value) {
    let customer = customer(client).await;
    let mut form = vec![
        ("mode", "subscription"),
        ("customer", customer.as_str()),
        ("line_items[0][price]", "price_team_monthly"),
        ("line_items[0][quantity]", "1"),
        ("success_url", "https://app.example/return?session_id={CHECKOUT_SESSION_ID}"),
    ];
    form.extend_from_slice(trial);
    post(sim, "/v1/checkout/sessions", &form, None).await
}

/// A Team subscription on a 14-day trial, paid for by `card` at Checkout.
async fn trialing(sim: &SimHandle, client: &StripeClient, card: &str) -> Value {
    let (_, session) = trial_session(sim, client, &[("subscription_data[trial_period_days]", "14")]).await;
    assert_eq!(session["amount_total"], 0, "{session}");
    let id = session["id"].as_str().unwrap();
    let (status, done) = post(sim, &format!("/v1/test_helpers/checkout/sessions/{id}/complete"), &[("card", card)], None).await;
    assert_eq!(status, 200, "{done}");
    get(sim, &format!("/v1/subscriptions/{}", done["checkout_session"]["subscription"].as_str().unwrap())).await.1
}

#[tokio::test]
async fn a_trial_starts_trialing_with_an_invoice_of_nothing_and_no_update_to_active() {
    let (sim, client) = start();

    let sub = trialing(&sim, &client, "4242424242424242").await;
    let snapshot = client.retrieve_subscription(&sub["id"].as_str().unwrap().parse::<StripeSubscriptionId>().unwrap()).await.unwrap();
    let invoice = get(&sim, &format!("/v1/invoices/{}", sub["latest_invoice"].as_str().unwrap())).await.1;
    let all = events(&sim).await;

    assert_eq!(snapshot.status, SubscriptionStatus::Trialing);
    let (start, end) = (sub["trial_start"].as_i64().unwrap(), sub["trial_end"].as_i64().unwrap());
    assert_eq!(end - start, 14 * DAY);
    assert_eq!((period_start(&sub), period_end(&sub), sub["billing_cycle_anchor"].as_i64()), (start, end, Some(end)));
    assert_eq!((invoice["amount_due"].as_i64(), invoice["status"].as_str()), (Some(0), Some("paid")));
    assert_eq!(
        types(&all),
        [
            "customer.created",
            "customer.subscription.created",
            "invoice.created",
            "invoice.finalized",
            "invoice.paid",
            "invoice.payment_succeeded",
            "checkout.session.completed"
        ]
    );
    assert_eq!(all[1]["data"]["object"]["status"], "trialing");
}

#[tokio::test]
async fn trial_will_end_comes_once_three_days_before_the_end() {
    let (sim, client) = start();
    let sub = trialing(&sim, &client, "4242424242424242").await;
    let before = events(&sim).await.len();
    let end = sub["trial_end"].as_i64().unwrap();

    advance(&sim, 10 * DAY).await;
    let early = events_since(&sim, before).await;
    advance(&sim, DAY + 3600).await;
    advance(&sim, DAY).await;
    let notices = events_since(&sim, before).await;

    assert!(early.is_empty(), "{early:?}");
    assert_eq!(types(&notices), ["customer.subscription.trial_will_end"]);
    assert_eq!(notices[0]["created"].as_i64(), Some(end - 3 * DAY));
    let decoded = StripeEventDecoder.decode(&serde_json::to_vec(&notices[0]).unwrap()).unwrap().event.unwrap();
    match decoded.fact {
        StripeFact::TrialWillEnd { subscription_id, ends_at } => {
            assert_eq!((subscription_id.as_str(), ends_at.timestamp()), (sub["id"].as_str().unwrap(), end));
        }
        other => panic!("not a trial notice: {other:?}"),
    }
}

#[tokio::test]
async fn at_the_end_of_the_trial_the_first_invoice_is_charged_and_the_subscription_is_active() {
    let (sim, client) = start();
    let sub = trialing(&sim, &client, "4242424242424242").await;
    let end = sub["trial_end"].as_i64().unwrap();
    advance(&sim, 12 * DAY).await;
    let before = events(&sim).await.len();

    advance(&sim, 2 * DAY + 3600).await;
    let after = events_since(&sim, before).await;
    let now = reread(&sim, &sub).await;
    let invoice = get(&sim, &format!("/v1/invoices/{}", now["latest_invoice"].as_str().unwrap())).await.1;

    assert_eq!(
        types(&after),
        ["customer.subscription.updated", "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]
    );
    assert_eq!(after[0]["data"]["object"]["status"], "active");
    assert_eq!(after[0]["data"]["previous_attributes"]["status"], "trialing");
    assert_eq!((period_start(&now), period_end(&now)), (end, end + 30 * DAY));
    assert_eq!((invoice["amount_paid"].as_i64(), invoice["billing_reason"].as_str()), (Some(9_900), Some("subscription_cycle")));
}

#[tokio::test]
async fn a_failed_charge_at_the_end_of_the_trial_leaves_the_subscription_past_due() {
    let (sim, client) = start();
    let sub = trialing(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;
    advance(&sim, 12 * DAY).await;
    let before = events(&sim).await.len();

    advance(&sim, 2 * DAY + 3600).await;
    let after = events_since(&sim, before).await;

    assert_eq!(reread(&sim, &sub).await["status"], "past_due");
    assert_eq!(
        types(&after),
        [
            "customer.subscription.updated",
            "invoice.created",
            "invoice.finalized",
            "invoice.payment_failed",
            "customer.subscription.updated"
        ]
    );
    assert_eq!(after[4]["data"]["previous_attributes"]["status"], "active");
}

#[tokio::test]
async fn trial_end_sets_the_end_and_bad_trials_are_refused() {
    let (sim, client) = start();
    let end = sim.clock.now() + 5 * DAY;

    let (ok, session) = trial_session(&sim, &client, &[("subscription_data[trial_end]", &end.to_string())]).await;
    let page = reqwest::get(session["url"].as_str().unwrap()).await.unwrap().text().await.unwrap();
    let (done, completed) =
        post(&sim, &format!("/v1/test_helpers/checkout/sessions/{}/complete", session["id"].as_str().unwrap()), &[], None).await;
    let soon = (sim.clock.now() + DAY).to_string();
    let (too_soon, _) = trial_session(&sim, &client, &[("subscription_data[trial_end]", &soon)]).await;
    let (both, _) =
        trial_session(&sim, &client, &[("subscription_data[trial_end]", &end.to_string()), ("subscription_data[trial_period_days]", "3")])
            .await;
    let (zero, _) = trial_session(&sim, &client, &[("subscription_data[trial_period_days]", "0")]).await;

    assert_eq!((ok, done), (200, 200));
    assert!(page.contains("Free trial until"), "{page}");
    let sub = get(&sim, &format!("/v1/subscriptions/{}", completed["checkout_session"]["subscription"].as_str().unwrap())).await.1;
    assert_eq!((sub["status"].as_str(), sub["trial_end"].as_i64()), (Some("trialing"), Some(end)));
    assert_eq!((too_soon, both, zero), (400, 400, 400));
}
