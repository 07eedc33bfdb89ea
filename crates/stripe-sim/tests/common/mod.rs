//! Shared set-up: a simulator, billing-stripe's client pointed at it, and raw requests.

#![allow(dead_code, clippy::unwrap_used)]

pub mod receiver;
pub mod world;

use billing_core::ports::{CheckoutRequest, PaymentProvider};
use billing_core::{IdempotencyKey, OrgId, StripeCustomerId, StripePriceId};
use billing_stripe::{SecretString, StripeClient, StripeConfig};
use chrono::{Duration, Utc};
use serde_json::Value;
use stripe_sim::{SimConfig, SimHandle, Simulator};

pub const KEY: &str = "sk_test_simulator";

/// The events completing a Checkout session emits, oldest first.
pub const COMPLETION: [&str; 8] = [
    "customer.created",
    "customer.subscription.created",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
    "customer.subscription.updated",
    "checkout.session.completed",
];

pub fn start() -> (SimHandle, StripeClient) {
    start_with(SimConfig::default())
}

pub fn start_with(config: SimConfig) -> (SimHandle, StripeClient) {
    let sim = Simulator::start(config).unwrap();
    let mut config = StripeConfig::new(SecretString::from(KEY.to_owned())).with_base_url(sim.base_url.clone());
    config.max_retries = 0;
    (sim, StripeClient::new(config).unwrap())
}

pub fn key(name: &str) -> IdempotencyKey {
    IdempotencyKey::for_operation(name, &"org_42".parse::<OrgId>().unwrap(), 1, name)
}

pub async fn customer(client: &StripeClient) -> StripeCustomerId {
    let org: OrgId = "org_42".parse().unwrap();
    client.create_customer(&org, Some("billing@acme.test".into()), &key("customer")).await.unwrap()
}

pub fn checkout_request(customer: &StripeCustomerId, price: &str) -> CheckoutRequest {
    CheckoutRequest {
        org_id: "org_42".parse().unwrap(),
        customer: customer.clone(),
        price: price.parse::<StripePriceId>().unwrap(),
        success_url: "https://app.example/return?session_id={CHECKOUT_SESSION_ID}".into(),
        cancel_url: "https://app.example/cancelled".into(),
        expires_at: Utc::now() + Duration::hours(2),
    }
}

/// A raw form POST, returning status and JSON body.
pub async fn post(sim: &SimHandle, path: &str, form: &[(&str, &str)], idempotency_key: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{}{path}", sim.base_url)).bearer_auth(KEY).form(form);
    if let Some(key) = idempotency_key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// A raw GET with a query string.
pub async fn get(sim: &SimHandle, path_and_query: &str) -> (u16, Value) {
    let response = reqwest::Client::new().get(format!("{}{path_and_query}", sim.base_url)).bearer_auth(KEY).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Opens a session for `price` and completes it with `card`; returns the helper's answer.
pub async fn subscribe(sim: &SimHandle, client: &StripeClient, price: &str, card: &str) -> (u16, Value) {
    let customer = customer(client).await;
    let session = client.create_checkout_session(&checkout_request(&customer, price), &key("checkout")).await.unwrap();
    post(sim, &format!("/v1/test_helpers/checkout/sessions/{}/complete", session.id), &[("card", card)], None).await
}
