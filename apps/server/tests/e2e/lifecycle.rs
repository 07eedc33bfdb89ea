//! The whole subscription lifecycle, and the edge cases about plans and payments (EC-2, EC-6,
//! EC-7), through the server's API with Stripe simulated.

use billing_scenario::{DeliveryFaults, ScenarioError};
use billing_server::auth::Role;
use chrono::Duration;
use serde_json::{json, Value};

use crate::harness::Server;

#[tokio::test]
async fn a_whole_lifecycle_plays_out_through_signed_webhooks_and_the_test_clock() {
    let server = Server::start();
    let mut lifecycle = server.lifecycle("org_e2e_lifecycle");

    let steps = lifecycle.run(|_| {}).await.unwrap();

    let plans: Vec<&str> = steps.iter().map(|s| s.state.plan.as_str()).collect();
    assert_eq!(plans, ["team", "enterprise", "enterprise", "solo", "solo", "solo", "solo", "free"]);
    let paid = |i: usize| steps[i].state.last_payment.as_ref().map(|p| p.amount);
    assert_eq!(paid(0), Some(9_900), "the checkout paid the team price");
    assert_eq!(paid(3), Some(2_900), "the renewal after the scheduled downgrade charged the solo price");
    assert_eq!(steps[4].state.failed_payment.as_ref().map(|p| p.amount), Some(2_900));
    assert_eq!(steps[5].state.status, "active");
    assert!(steps[6].state.cancel_at_period_end && steps[6].state.plan == "solo", "features stay until the period end");
    assert_eq!(steps[7].state.status, "canceled");
    server.wait_until_every_event_is_applied().await;
    assert_eq!(server.metric("billing_webhooks_received_total", "customer.subscription.deleted").await, 1, "Stripe's deletion arrived");
    let settled = lifecycle.api.subscription().await.unwrap();
    assert_eq!((settled.plan.as_str(), settled.status.as_str()), ("free", "canceled"), "nothing applied later moved the state back");
}

#[tokio::test]
async fn ec6_an_upgrade_at_half_period_is_charged_once_in_one_paid_invoice_whatever_the_duplicated_webhooks() {
    let server = Server::start();
    let mut lifecycle = server.lifecycle("org_e2e_upgrade");
    let subscribed = lifecycle.subscribe("team").await.unwrap().state;
    server.sim.faults(DeliveryFaults { duplicate: true, ..DeliveryFaults::default() }).await.unwrap();
    let half = subscribed.current_period_end.unwrap() - Duration::days(15);
    server.sim.advance_to(half).await.unwrap();

    let quote = lifecycle.api.proration("enterprise").await.unwrap();
    lifecycle.api.change_plan("enterprise", Some(&quote.quote)).await.unwrap();
    server.wait_until_every_event_is_applied().await;

    // Team to Enterprise is 400.00 a period more; half a period is 200.00, less the seconds
    // the wall clock ran since the advance.
    assert!((19_990..=20_000).contains(&quote.charge_now.amount), "{:?}", quote.charge_now);
    assert_eq!(quote.next_invoice.amount, 49_900);
    let customer = lifecycle.customer().unwrap();
    let invoices = server.sim.get_json(&format!("/v1/invoices?customer={customer}&limit=100")).await.unwrap();
    let updates: Vec<&Value> =
        invoices["data"].as_array().unwrap().iter().filter(|i| i["billing_reason"] == "subscription_update").collect();
    assert_eq!(updates.len(), 1, "one proration invoice: {invoices}");
    assert_eq!((&updates[0]["status"], &updates[0]["amount_paid"]), (&json!("paid"), &json!(quote.charge_now.amount)));
    let upgraded = lifecycle.api.subscription().await.unwrap();
    assert_eq!((upgraded.plan.as_str(), upgraded.status.as_str()), ("enterprise", "active"));
    assert_eq!(upgraded.last_payment.map(|p| p.amount), Some(quote.charge_now.amount), "the server recorded the quoted payment");
}

#[tokio::test]
async fn ec2_a_failed_renewal_keeps_the_paid_plan_for_seven_days_of_grace() {
    let server = Server::start();
    let mut lifecycle = server.lifecycle("org_e2e_grace");
    lifecycle.subscribe("team").await.unwrap();
    server.sim.faults(DeliveryFaults { duplicate: true, reorder: true, ..DeliveryFaults::default() }).await.unwrap();

    lifecycle.card_starts_failing().await.unwrap();
    // Judged once every duplicated, reordered event is applied: they settle on past due.
    server.wait_until_every_event_is_applied().await;
    let failed = lifecycle.api.subscription().await.unwrap();

    assert_eq!((failed.plan.as_str(), failed.status.as_str()), ("team", "past_due"), "paid features stay during grace");
    let payment = failed.failed_payment.clone().unwrap();
    assert_eq!(payment.amount, 9_900);
    let grace = failed.grace_until.unwrap() - payment.at;
    assert!(grace > Duration::days(7) - Duration::minutes(5) && grace <= Duration::days(7) + Duration::hours(2), "{grace}");
    assert!(failed.notices.iter().any(|n| n.kind == "payment_failed"), "{:?}", failed.notices);
}

#[tokio::test]
async fn ec7_a_downgrade_waits_for_the_period_end_and_can_be_undone_whatever_the_event_order() {
    let server = Server::start();
    let mut lifecycle = server.lifecycle("org_e2e_downgrade");
    lifecycle.subscribe("enterprise").await.unwrap();
    server.sim.faults(DeliveryFaults { reorder: true, ..DeliveryFaults::default() }).await.unwrap();

    let scheduled = lifecycle.schedule_downgrade("solo").await.unwrap().state;
    assert_eq!(scheduled.plan, "enterprise", "the plan stays until the period end");
    lifecycle.api.keep_plan().await.unwrap();
    let kept = lifecycle.api.wait_until("no scheduled change", |s| s.scheduled_change.is_none()).await.unwrap();
    assert_eq!(kept.plan, "enterprise");
    lifecycle.schedule_downgrade("team").await.unwrap();
    let renewed = lifecycle.renew_onto_the_scheduled_plan().await.unwrap().state;

    assert_eq!(renewed.plan, "team");
    assert_eq!(renewed.last_payment.map(|p| p.amount), Some(9_900), "the renewal charged the lower price");
}

#[tokio::test]
async fn a_member_cannot_change_the_plan_and_another_organization_sees_none_of_it() {
    let server = Server::start();
    let mut lifecycle = server.lifecycle("org_e2e_tenant_a");
    lifecycle.subscribe("team").await.unwrap();

    let member = server.api("org_e2e_tenant_a", Role::Member);
    let refused = member.change_plan("enterprise", None).await.unwrap_err();
    let other = server.api("org_e2e_tenant_b", Role::Owner).subscription().await.unwrap();

    assert!(matches!(refused, ScenarioError::Status { status: 403, .. }), "{refused}");
    assert_eq!(member.subscription().await.unwrap().plan, "team", "members read their own organization");
    assert_eq!((other.plan.as_str(), other.status.as_str()), ("free", "none"));
}
