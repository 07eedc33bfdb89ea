//! Checkout through billing-stripe's client: sessions, completion with test cards, the
//! subscription it creates and the events it emits, in order.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::PaymentProvider;
use billing_core::{CheckoutSessionId, StripeSubscriptionId, SubscriptionStatus};
use billing_stripe::{parse_envelope, EventListFilter};
use common::{checkout_request, customer, key, post, start, subscribe, COMPLETION};

#[tokio::test]
async fn a_session_opens_with_a_url_and_reads_back_open_with_the_organization() {
    let (_sim, client) = start();
    let customer = customer(&client).await;

    let session = client.create_checkout_session(&checkout_request(&customer, "price_team_monthly"), &key("checkout")).await.unwrap();
    let info = client.retrieve_checkout_session(&session.id).await.unwrap();

    assert!(session.url.contains(session.id.as_str()));
    assert!(!info.complete);
    assert_eq!(info.customer, Some(customer));
    assert_eq!(info.org_reference, Some("org_42".to_owned()));
}

#[tokio::test]
async fn completing_with_a_good_card_activates_a_subscription_the_client_reads() {
    let (sim, client) = start();

    let (status, done) = subscribe(&sim, &client, "price_team_monthly", "4242 4242 4242 4242").await;
    assert_eq!(status, 200, "{done}");
    let session_id: CheckoutSessionId = done["checkout_session"]["id"].as_str().unwrap().parse().unwrap();
    let info = client.retrieve_checkout_session(&session_id).await.unwrap();
    let subscription = client.retrieve_subscription(info.subscription.as_ref().unwrap()).await.unwrap();

    assert!(info.complete && info.paid);
    assert_eq!(done["redirect_url"], format!("https://app.example/return?session_id={session_id}"));
    assert_eq!(subscription.status, SubscriptionStatus::Active);
    assert_eq!(subscription.price_id.as_str(), "price_team_monthly");
    assert_eq!((subscription.period.end() - subscription.period.start()).num_days(), 30);
}

#[tokio::test]
async fn completion_emits_stripes_events_in_order_naming_the_subscription() {
    let (sim, client) = start();
    let (_, done) = subscribe(&sim, &client, "price_solo_monthly", "4242424242424242").await;

    let events = client.events_list_all(&EventListFilter::default(), 5).await.unwrap();
    let oldest_first: Vec<String> = events.iter().rev().map(|event| event.envelope.event_type.clone()).collect();

    assert_eq!(oldest_first, COMPLETION);
    let completed = parse_envelope(&events[0].payload).unwrap();
    assert_eq!(completed.event_type, "checkout.session.completed");
    assert_eq!(
        done["checkout_session"]["subscription"],
        serde_json::from_slice::<serde_json::Value>(&events[0].payload).unwrap()["data"]["object"]["subscription"]
    );
}

#[tokio::test]
async fn a_declining_card_is_refused_and_leaves_the_session_open() {
    let (sim, client) = start();

    let (status, body) = subscribe(&sim, &client, "price_team_monthly", "4000000000009995").await;

    assert_eq!(status, 402);
    assert_eq!(body["error"]["type"], "card_error");
    assert_eq!(body["error"]["decline_code"], "insufficient_funds");
    let events = client.events_list_all(&EventListFilter::default(), 5).await.unwrap();
    assert!(events.iter().all(|event| !event.envelope.event_type.starts_with("customer.subscription")));
}

#[tokio::test]
async fn cancel_at_period_end_sets_and_clears_and_cancel_now_ends_the_subscription() {
    let (sim, client) = start();
    let (_, done) = subscribe(&sim, &client, "price_team_monthly", "4242424242424242").await;
    let id: StripeSubscriptionId = done["checkout_session"]["subscription"].as_str().unwrap().parse().unwrap();

    let set = client.set_cancel_at_period_end(&id, true, &key("cancel-on")).await.unwrap();
    let cleared = client.set_cancel_at_period_end(&id, false, &key("cancel-off")).await.unwrap();
    let ended = client.cancel_now(&id, &key("cancel-now")).await.unwrap();

    assert!(set.cancel_at_period_end && set.canceled_at.is_some());
    assert!(!cleared.cancel_at_period_end && cleared.canceled_at.is_none());
    assert_eq!(ended.status, SubscriptionStatus::Canceled);
    let (status, again) = post(&sim, &format!("/v1/subscriptions/{id}"), &[("cancel_at_period_end", "true")], None).await;
    assert_eq!((status, again["error"]["type"].as_str()), (400, Some("invalid_request_error")));
}

#[tokio::test]
async fn urls_the_customer_would_be_sent_to_must_be_http_or_https() {
    let (sim, client) = start();
    let customer = customer(&client).await;
    let session = |success: &'static str, cancel: &'static str| {
        [
            ("mode", "subscription"),
            ("customer", customer.as_str()),
            ("line_items[0][price]", "price_team_monthly"),
            ("success_url", success),
            ("cancel_url", cancel),
        ]
    };

    let (bad_success, success_body) =
        post(&sim, "/v1/checkout/sessions", &session("javascript:alert(1)", "https://app.example/"), None).await;
    let (bad_cancel, cancel_body) = post(&sim, "/v1/checkout/sessions", &session("https://app.example/", "/pricing"), None).await;
    let (bad_return, return_body) =
        post(&sim, "/v1/billing_portal/sessions", &[("customer", customer.as_str()), ("return_url", "data:text/html,hi")], None).await;
    let (good, _) = post(&sim, "/v1/checkout/sessions", &session("http://127.0.0.1:8080/billing", "https://app.example/"), None).await;

    assert_eq!((bad_success, success_body["error"]["param"].as_str()), (400, Some("success_url")), "{success_body}");
    assert_eq!((bad_cancel, cancel_body["error"]["param"].as_str()), (400, Some("cancel_url")), "{cancel_body}");
    assert_eq!((bad_return, return_body["error"]["param"].as_str()), (400, Some("return_url")), "{return_body}");
    assert_eq!(good, 200);
}
