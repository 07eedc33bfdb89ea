//! Delivery faults switched on through the test helper or the library, and signing-secret
//! rotation with an overlap.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use billing_stripe::{parse_signature_header, SignatureError};
use common::receiver::{body, deliveries, endpoint, header, receiver, types, verify};
use common::{post, start, start_with, subscribe};
use stripe_sim::{Faults, SimConfig};

#[tokio::test]
async fn with_duplicate_on_every_event_arrives_twice_with_the_same_id_and_valid_signatures() {
    let (sim, _) = start();
    let server = receiver(0).await;
    let (_, secret) = endpoint(&sim, &server, &["customer.created"]).await;
    sim.faults(Faults { duplicate: true, ..Faults::default() });

    post(&sim, "/v1/customers", &[("email", "a@acme.test")], None).await;
    let received = deliveries(&server, 2).await;

    assert_eq!(body(&received[0])["id"], body(&received[1])["id"]);
    assert!(received.iter().all(|request| verify(request, &[&secret]).is_ok()));
}

#[tokio::test]
async fn with_reorder_on_the_events_of_one_request_arrive_newest_first() {
    let (sim, client) = start();
    let server = receiver(0).await;
    endpoint(&sim, &server, &["*"]).await;
    let (status, answer) = post(&sim, "/v1/test_helpers/webhook_faults", &[("reorder", "true")], None).await;

    subscribe(&sim, &client, "price_team_monthly", "4242424242424242").await;
    let received = deliveries(&server, 8).await;
    let completion: Vec<String> = types(&received).into_iter().filter(|t| t != "customer.created").collect();

    assert_eq!((status, answer["reorder"].as_bool()), (200, Some(true)));
    assert_eq!(
        completion,
        [
            "checkout.session.completed",
            "customer.subscription.updated",
            "invoice.payment_succeeded",
            "invoice.paid",
            "invoice.finalized",
            "invoice.created",
            "customer.subscription.created",
        ]
    );
}

#[tokio::test]
async fn a_dropped_first_attempt_is_lost_without_retries_and_faults_switch_off() {
    let (sim, _) = start_with(SimConfig { retry_schedule: Vec::new(), ..SimConfig::default() });
    let server = receiver(0).await;
    endpoint(&sim, &server, &["customer.created"]).await;
    post(&sim, "/v1/test_helpers/webhook_faults", &[("drop_first", "true")], None).await;

    let (_, dropped) = post(&sim, "/v1/customers", &[("email", "dropped@acme.test")], None).await;
    let cleared = reqwest::Client::new()
        .delete(format!("{}/v1/test_helpers/webhook_faults", sim.base_url))
        .bearer_auth(common::KEY)
        .send()
        .await
        .unwrap();
    let (_, delivered) = post(&sim, "/v1/customers", &[("email", "delivered@acme.test")], None).await;
    let received = deliveries(&server, 1).await;

    assert_eq!(cleared.status().as_u16(), 200);
    assert_eq!(received.len(), 1);
    assert_eq!(body(&received[0])["data"]["object"]["id"], delivered["id"]);
    assert_ne!(delivered["id"], dropped["id"]);
}

#[tokio::test]
async fn a_dropped_first_attempt_is_redelivered_by_the_retry_schedule() {
    let (sim, _) = start_with(SimConfig { retry_schedule: vec![Duration::from_millis(30)], ..SimConfig::default() });
    let server = receiver(0).await;
    let (_, secret) = endpoint(&sim, &server, &["customer.created"]).await;
    sim.faults(Faults { drop_first: true, ..Faults::default() });

    let (_, customer) = post(&sim, "/v1/customers", &[("email", "a@acme.test")], None).await;
    let received = deliveries(&server, 1).await;

    assert_eq!(body(&received[0])["data"]["object"]["id"], customer["id"]);
    assert!(verify(&received[0], &[&secret]).is_ok());
}

#[tokio::test]
async fn with_a_delay_no_event_arrives_before_the_delay_has_passed() {
    let (sim, _) = start();
    let server = receiver(0).await;
    endpoint(&sim, &server, &["customer.created"]).await;
    post(&sim, "/v1/test_helpers/webhook_faults", &[("delay_ms", "300")], None).await;

    let sent = Instant::now();
    post(&sim, "/v1/customers", &[("email", "a@acme.test")], None).await;
    deliveries(&server, 1).await;

    assert!(sent.elapsed() >= Duration::from_millis(300));
}

fn v1_count(request: &wiremock::Request) -> usize {
    parse_signature_header(header(request, "stripe-signature").unwrap()).unwrap().v1.len()
}

#[tokio::test]
async fn a_rotated_secret_signs_next_to_the_old_one_during_the_overlap_and_alone_after_it() {
    let (sim, _) = start();
    let server = receiver(0).await;
    let (id, old) = endpoint(&sim, &server, &["customer.created"]).await;
    let rotate = format!("/v1/test_helpers/webhook_endpoints/{id}/rotate_secret");

    let (_, overlapping) = post(&sim, &rotate, &[("expires_in", "3600")], None).await;
    post(&sim, "/v1/customers", &[("email", "a@acme.test")], None).await;
    let during = deliveries(&server, 1).await.remove(0);
    let (_, alone) = post(&sim, &rotate, &[("expires_in", "0")], None).await;
    post(&sim, "/v1/customers", &[("email", "b@acme.test")], None).await;
    let after = deliveries(&server, 2).await.remove(1);

    let middle = overlapping["secret"].as_str().unwrap();
    let newest = alone["secret"].as_str().unwrap();
    assert_eq!(v1_count(&during), 2);
    assert!(verify(&during, &[&old]).is_ok() && verify(&during, &[middle]).is_ok());
    assert_eq!(v1_count(&after), 1);
    assert_eq!(verify(&after, &[middle]), Err(SignatureError::NoMatchingSignature));
    assert!(verify(&after, &[newest]).is_ok());
}
