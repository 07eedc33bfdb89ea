//! Webhook endpoints and signed delivery to a real receiver, checked with billing-stripe's
//! signature verification.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use billing_stripe::SignatureError;
use common::receiver::{body, deliveries, endpoint, header, receiver, types, verify};
use common::{get, post, start, start_with, subscribe, COMPLETION};
use stripe_sim::SimConfig;

#[tokio::test]
async fn every_event_arrives_in_creation_order_signed_with_the_wall_clock_even_after_time_jumps() {
    let (sim, client) = start();
    let server = receiver(0).await;
    let (_, secret) = endpoint(&sim, &server, &["*"]).await;

    subscribe(&sim, &client, "price_team_monthly", "4242424242424242").await;
    sim.clock.advance(40 * 86_400);
    post(&sim, "/v1/customers", &[("email", "later@acme.test")], None).await;
    let received = deliveries(&server, COMPLETION.len() + 1).await;

    assert_eq!(types(&received)[..COMPLETION.len()], COMPLETION);
    assert!(body(&received[COMPLETION.len()])["created"].as_i64().unwrap() > chrono::Utc::now().timestamp() + 39 * 86_400);
    for request in &received {
        assert!(verify(request, &[&secret]).is_ok(), "{:?}", header(request, "stripe-signature"));
        assert_eq!(verify(request, &["whsec_other"]), Err(SignatureError::NoMatchingSignature));
        assert_eq!(header(request, "content-type"), Some("application/json; charset=utf-8"));
        assert_eq!(header(request, "user-agent"), Some("Stripe/1.0 (+https://stripe.com/docs/webhooks)"));
        assert_eq!(request.url.path(), "/webhooks/stripe");
    }
}

#[tokio::test]
async fn an_endpoint_gets_only_the_types_it_enabled_and_nothing_from_before_it_existed() {
    let (sim, client) = start();
    let server = receiver(0).await;
    let (_, before) = post(&sim, "/v1/customers", &[("email", "early@acme.test")], None).await;
    endpoint(&sim, &server, &["customer.created", "invoice.paid"]).await;

    subscribe(&sim, &client, "price_solo_monthly", "4242424242424242").await;
    let received = deliveries(&server, 2).await;

    assert_eq!(types(&received), ["customer.created", "invoice.paid"]);
    assert_ne!(body(&received[0])["data"]["object"]["id"], before["id"]);
}

#[tokio::test]
async fn a_failing_receiver_gets_fresh_signed_retries_until_it_acknowledges_and_pending_webhooks_drops() {
    let config = SimConfig { retry_schedule: vec![Duration::from_millis(10), Duration::from_millis(20)], ..SimConfig::default() };
    let (sim, _) = start_with(config);
    let server = receiver(2).await;
    let (_, secret) = endpoint(&sim, &server, &["customer.created"]).await;

    post(&sim, "/v1/customers", &[("email", "a@acme.test")], None).await;
    let received = deliveries(&server, 3).await;
    let event_id = body(&received[0])["id"].as_str().unwrap().to_owned();

    assert!(received.iter().all(|request| body(request)["id"] == event_id.as_str()));
    assert!(received.iter().all(|request| verify(request, &[&secret]).is_ok()));
    assert_eq!(body(&received[0])["pending_webhooks"], 1);
    let mut pending = 1;
    for _ in 0..250 {
        pending = get(&sim, &format!("/v1/events/{event_id}")).await.1["pending_webhooks"].as_i64().unwrap();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn a_deleted_endpoint_receives_nothing_more() {
    let (sim, _) = start();
    let deleted = receiver(0).await;
    let kept = receiver(0).await;
    let (deleted_id, _) = endpoint(&sim, &deleted, &["*"]).await;
    endpoint(&sim, &kept, &["*"]).await;

    let (status, answer) = reqwest::Client::new()
        .delete(format!("{}/v1/webhook_endpoints/{deleted_id}", sim.base_url))
        .bearer_auth(common::KEY)
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    let answer: serde_json::Value = answer.json().await.unwrap();
    post(&sim, "/v1/customers", &[("email", "a@acme.test")], None).await;
    deliveries(&kept, 1).await;

    assert_eq!((status, answer["deleted"].as_bool()), (200, Some(true)));
    assert!(deleted.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn endpoints_are_created_with_a_whsec_secret_listed_without_it_and_bad_registrations_are_400() {
    let (sim, _) = start();
    let server = receiver(0).await;
    let (id, secret) = endpoint(&sim, &server, &["invoice.paid"]).await;

    let (_, list) = get(&sim, "/v1/webhook_endpoints").await;
    let (no_url, _) = post(&sim, "/v1/webhook_endpoints", &[("enabled_events[]", "*")], None).await;
    let (other_version, body) = post(
        &sim,
        "/v1/webhook_endpoints",
        &[("url", "http://127.0.0.1:9/"), ("enabled_events[]", "*"), ("api_version", "2020-08-27")],
        None,
    )
    .await;
    let (no_events, _) = post(&sim, "/v1/webhook_endpoints", &[("url", "http://127.0.0.1:9/")], None).await;

    assert!(secret.starts_with("whsec_") && id.starts_with("we_"));
    assert_eq!(list["data"][0]["id"], id.as_str());
    assert_eq!(list["data"][0]["enabled_events"], serde_json::json!(["invoice.paid"]));
    assert!(list["data"][0].get("secret").is_none());
    assert_eq!((no_url, other_version, no_events), (400, 400, 400));
    assert_eq!(body["error"]["param"], "api_version");
}
