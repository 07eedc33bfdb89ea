//! Stripe's conventions: authentication, error objects, idempotent replay, event listing.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::PaymentProvider;
use billing_stripe::EventListFilter;
use common::{customer, get, key, post, start, subscribe};

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_answer_and_another_body_is_an_idempotency_error() {
    let (sim, _) = start();

    let (_, first) = post(&sim, "/v1/customers", &[("email", "a@b.test")], Some("k-1")).await;
    let (_, replay) = post(&sim, "/v1/customers", &[("email", "a@b.test")], Some("k-1")).await;
    let (status, other) = post(&sim, "/v1/customers", &[("email", "c@d.test")], Some("k-1")).await;

    assert_eq!(first["id"], replay["id"]);
    assert_eq!(status, 400);
    assert_eq!(other["error"]["type"], "idempotency_error");
}

#[tokio::test]
async fn requests_without_a_secret_key_are_refused_with_401() {
    let (sim, _) = start();

    let response = reqwest::Client::new().post(format!("{}/v1/customers", sim.base_url)).send().await.unwrap();

    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn unknown_ids_are_404_resource_missing_and_the_client_maps_them() {
    let (sim, client) = start();

    let (status, body) = get(&sim, "/v1/customers/cus_nope").await;
    let error = client.retrieve_subscription(&"sub_nope".parse().unwrap()).await.unwrap_err();

    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("resource_missing")));
    assert!(format!("{error:?}").contains("NotFound"), "{error:?}");
}

#[tokio::test]
async fn bad_parameters_are_400_naming_the_parameter() {
    let (sim, client) = start();
    let customer = customer(&client).await;

    let (status, body) = post(
        &sim,
        "/v1/checkout/sessions",
        &[
            ("mode", "subscription"),
            ("customer", customer.as_str()),
            ("line_items[0][price]", "price_team_monthly"),
            ("line_items[0][quantity]", "x"),
        ],
        None,
    )
    .await;
    let (_, refused) = post(
        &sim,
        "/v1/checkout/sessions",
        &[
            ("mode", "subscription"),
            ("customer", customer.as_str()),
            ("line_items[0][price]", "price_team_monthly"),
            ("success_url", "https://a.test"),
            ("payment_method_types[]", "card"),
        ],
        None,
    )
    .await;

    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(refused["error"]["param"], "payment_method_types");
}

#[tokio::test]
async fn events_page_newest_first_and_filter_by_types_and_creation_time() {
    let (sim, client) = start();
    subscribe(&sim, &client, "price_team_monthly", "4242424242424242").await;

    let first = client.events_list(&EventListFilter { limit: Some(3), ..EventListFilter::default() }).await.unwrap();
    let next = EventListFilter { limit: Some(3), starting_after: first.next_cursor().cloned(), ..EventListFilter::default() };
    let second = client.events_list(&next).await.unwrap();
    let invoices = EventListFilter { types: vec!["invoice.paid".into(), "invoice.created".into()], ..EventListFilter::default() };
    let by_type = client.events_list_all(&invoices, 3).await.unwrap();
    let future = EventListFilter { created_gte: Some(chrono::Utc::now() + chrono::Duration::hours(1)), ..EventListFilter::default() };

    assert!(first.has_more);
    assert_eq!(first.events[0].envelope.event_type, "checkout.session.completed");
    assert_eq!(second.events[0].envelope.event_type, "invoice.paid");
    assert_eq!(by_type.iter().map(|e| e.envelope.event_type.as_str()).collect::<Vec<_>>(), ["invoice.paid", "invoice.created"]);
    assert!(client.events_list(&future).await.unwrap().events.is_empty());
    let fetched = client.events_retrieve(&first.events[1].envelope.id).await.unwrap();
    assert_eq!(fetched.envelope, first.events[1].envelope);
}

#[tokio::test]
async fn a_portal_session_has_a_url_for_a_known_customer_only() {
    let (_sim, client) = start();
    let customer = customer(&client).await;

    let portal = client.create_portal_session(&customer, "https://app.example/billing", &key("portal")).await.unwrap();
    let unknown = client.create_portal_session(&"cus_nope".parse().unwrap(), "https://app.example", &key("portal-2")).await;

    assert!(portal.url.starts_with("http://127.0.0.1:"));
    assert!(matches!(unknown, Err(billing_core::ports::PaymentError::NotFound { .. })), "{unknown:?}");
}
