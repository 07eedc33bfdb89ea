//! Webhook delivery going wrong (EC-9, EC-10, EC-11, EC-17): the simulator's faults on, the
//! organization's billing right in the end.

use billing_scenario::{DeliveryFaults, TestCard};

use crate::harness::Server;

#[tokio::test]
async fn ec9_events_whose_first_delivery_failed_are_applied_when_redelivered() {
    let server = Server::start();
    server.sim.faults(DeliveryFaults { drop_first: true, ..DeliveryFaults::default() }).await.unwrap();
    let mut lifecycle = server.lifecycle("org_e2e_redelivered");

    // `subscribe` never verifies the session: only the retried webhooks can bring the plan.
    lifecycle.subscribe("team").await.unwrap();
    server.wait_until_every_event_is_applied().await;
    let settled = lifecycle.api.subscription().await.unwrap();

    assert_eq!(settled.status, "active");
    assert_eq!(settled.last_payment.map(|p| p.amount), Some(9_900), "invoice.paid arrived by a retry too");
}

#[tokio::test]
async fn ec10_events_delivered_newest_first_end_in_stripes_order() {
    let server = Server::start();
    server.sim.faults(DeliveryFaults { reorder: true, ..DeliveryFaults::default() }).await.unwrap();
    let mut lifecycle = server.lifecycle("org_e2e_reordered");

    // Checkout's seven events, the upgrade's and the cancellation's each arrive newest first.
    lifecycle.subscribe("team").await.unwrap();
    lifecycle.upgrade("enterprise").await.unwrap();
    lifecycle.cancel_at_period_end().await.unwrap();
    let ended = lifecycle.end().await.unwrap().state;
    server.wait_until_every_event_is_applied().await;

    assert_eq!((ended.plan.as_str(), ended.status.as_str()), ("free", "canceled"));
    assert_eq!(server.metric("billing_webhooks_received_total", "customer.subscription.deleted").await, 1, "Stripe's deletion arrived");
    let settled = lifecycle.api.subscription().await.unwrap();
    assert_eq!((settled.plan, settled.status), (ended.plan, ended.status), "no older event, applied last, moved the state back");
}

#[tokio::test]
async fn ec11_every_event_delivered_twice_is_recorded_and_applied_once() {
    let server = Server::start();
    server.sim.faults(DeliveryFaults { duplicate: true, ..DeliveryFaults::default() }).await.unwrap();
    let mut lifecycle = server.lifecycle("org_e2e_duplicated");

    lifecycle.subscribe("team").await.unwrap();
    server.wait_until_every_event_is_applied().await;
    let applied = lifecycle.api.subscription().await.unwrap();
    let sent = server.sent_events().await;
    server.wait_for_counter("billing_webhooks_duplicate_total", sent).await;

    assert!(sent >= 7, "a paid checkout makes at least seven events, not {sent}");
    assert_eq!(server.counter("billing_webhooks_received_total").await, sent, "each event recorded once");
    assert_eq!(server.counter("billing_webhooks_duplicate_total").await, sent, "each second copy acknowledged as a duplicate");
    assert_eq!(crate::harness::finished_events(&server.base_url).await, sent, "each event applied once");
    let after = lifecycle.api.subscription().await.unwrap();
    assert_eq!(after, applied, "the duplicates changed nothing");
}

#[tokio::test]
async fn ec17_the_return_page_shows_the_plan_before_the_late_webhooks_and_they_change_nothing() {
    let server = Server::start();
    server.sim.faults(DeliveryFaults { delay_ms: 2_000, ..DeliveryFaults::default() }).await.unwrap();
    let lifecycle = server.lifecycle("org_e2e_late");
    let session = lifecycle.api.checkout("team").await.unwrap();
    server.sim.complete_checkout(&session, TestCard::Succeeds).await.unwrap();

    lifecycle.api.verify_session(&session).await.unwrap();
    let verified = lifecycle.api.subscription().await.unwrap();
    let received_then = server.counter("billing_webhooks_received_total").await;

    assert_eq!((verified.plan.as_str(), verified.status.as_str()), ("team", "active"));
    let sent = server.sent_events().await;
    assert!(received_then < sent, "the webhooks were still held back ({received_then} of {sent} arrived)");
    server.wait_until_every_event_is_applied().await;
    let after = lifecycle.api.subscription().await.unwrap();
    assert_eq!((after.plan, after.status, after.current_period_end), (verified.plan, verified.status, verified.current_period_end));
    assert_eq!(after.last_payment.map(|p| p.amount), Some(9_900), "the late invoice.paid records the payment");
}
