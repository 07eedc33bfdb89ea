//! A webhook receiver on wiremock, and checks of what it received.

use std::time::Duration;

use billing_stripe::{verify_signature, SignatureError, VerifiedSignature, WebhookSecret};
use chrono::Utc;
use serde_json::Value;
use stripe_sim::SimHandle;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::post;

/// A receiver that fails the first `failures` deliveries with 500, then answers 200.
pub async fn receiver(failures: u64) -> MockServer {
    let server = MockServer::start().await;
    if failures > 0 {
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).up_to_n_times(failures).with_priority(1).mount(&server).await;
    }
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).with_priority(2).mount(&server).await;
    server
}

/// Registers `server` for `events`; returns the endpoint's id and secret.
pub async fn endpoint(sim: &SimHandle, server: &MockServer, events: &[&str]) -> (String, String) {
    let mut form = vec![("url", format!("{}/webhooks/stripe", server.uri()))];
    form.extend(events.iter().map(|event| ("enabled_events[]", (*event).to_owned())));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = post(sim, "/v1/webhook_endpoints", &pairs, None).await;
    assert_eq!(status, 200, "{body}");
    (body["id"].as_str().unwrap().to_owned(), body["secret"].as_str().unwrap().to_owned())
}

/// Waits until `server` has received at least `count` deliveries (at most 10 s) and returns them.
pub async fn deliveries(server: &MockServer, count: usize) -> Vec<Request> {
    for _ in 0..500 {
        let received = server.received_requests().await.unwrap_or_default();
        if received.len() >= count {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {count} deliveries arrived");
}

/// The delivery's JSON body.
pub fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// The `type` of each delivery, in arrival order.
pub fn types(requests: &[Request]) -> Vec<String> {
    requests.iter().map(|request| body(request)["type"].as_str().unwrap().to_owned()).collect()
}

pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|value| value.to_str().ok())
}

/// billing-stripe's check of the delivery against `secrets`, at the wall clock, 300 s tolerance.
pub fn verify(request: &Request, secrets: &[&str]) -> Result<VerifiedSignature, SignatureError> {
    let secrets: Vec<WebhookSecret> = secrets.iter().map(|secret| WebhookSecret::new(*secret)).collect();
    verify_signature(&request.body, header(request, "stripe-signature"), &secrets, Utc::now(), billing_stripe::default_tolerance())
}
