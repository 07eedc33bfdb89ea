//! The webhook endpoint's failure modes, duplicates, ordering and ties.

use billing_core::ports::EventStatus;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::both_stores;
use crate::helpers::*;

async fn error_code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn webhook_with_a_wrong_or_missing_signature_is_rejected() {
    let app = spawn_app(Store::Sqlite).await;
    let body = fixture("invoice.paid.json");
    assert_eq!(error_code(app.post_webhook(&body, None).await).await, (400, "invalid_signature".into()));
    let forged = sign(&body, "whsec_attacker");
    assert_eq!(error_code(app.post_webhook(&body, Some(&forged)).await).await, (400, "invalid_signature".into()));
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_eq!(error_code(app.post_webhook(&tampered, Some(&sign(&body, WEBHOOK_SECRET))).await).await, (400, "invalid_signature".into()));
    assert!(app.metrics().await.contains("billing_webhooks_invalid_signature_total{reason=\"no_matching_signature\"} 2"));
}

#[tokio::test]
async fn webhook_with_stale_timestamp_is_rejected() {
    let app = spawn_app(Store::Sqlite).await;
    let body = fixture("invoice.paid.json");
    let stale = billing_stripe::generate_test_header(&body, WEBHOOK_SECRET, chrono::Utc::now().timestamp() - 301);
    assert_eq!(error_code(app.post_webhook(&body, Some(&stale)).await).await, (400, "invalid_signature".into()));
}

#[tokio::test]
async fn webhook_signed_with_the_rotated_secret_is_accepted() {
    let app = spawn_app(Store::Sqlite).await;
    let body = fixture("invoice.paid.json");
    let res = app.post_webhook(&body, Some(&sign(&body, OLD_WEBHOOK_SECRET))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), serde_json::json!({"received": true}));
    let metrics = app.metrics().await;
    assert!(metrics.contains("billing_webhooks_verified_total{secret=\"1\"} 1\n"), "the old secret still verifies: {metrics}");
    assert!(!metrics.contains("billing_webhooks_verified_total{secret=\"0\"}"), "{metrics}");
}

#[tokio::test]
async fn signed_body_that_is_not_a_stripe_event_is_invalid_payload() {
    let app = spawn_app(Store::Sqlite).await;
    assert_eq!(error_code(app.deliver(b"{\"hello\": \"world\"}").await).await, (400, "invalid_payload".into()));
}

#[tokio::test]
async fn body_over_one_mebibyte_is_refused_with_413() {
    let app = spawn_app(Store::Sqlite).await;
    let body = vec![b' '; (1 << 20) + 1];
    // A well-formed header, since a malformed one is refused before the body is read.
    let header = sign(b"another body", WEBHOOK_SECRET);
    assert_eq!(error_code(app.post_webhook(&body, Some(&header)).await).await, (413, "payload_too_large".into()));
}

#[tokio::test]
async fn repeated_signature_failures_from_one_address_are_rate_limited() {
    let app = spawn_app(Store::Sqlite).await;
    let body = fixture("invoice.paid.json");
    for _ in 0..20 {
        assert_eq!(app.post_webhook(&body, Some("t=1,v1=00")).await.status(), 400);
    }
    assert_eq!(error_code(app.post_webhook(&body, Some("t=1,v1=00")).await).await, (429, "too_many_failures".into()));
}

async fn duplicates(store: Store) {
    let app = spawn_app(store).await;
    let body = fixture("customer.subscription.updated.plan_change.json");
    let first = app.deliver(&body).await;
    assert_eq!(first.json::<Value>().await.unwrap(), serde_json::json!({"received": true}));
    let second = app.deliver(&body).await;
    assert_eq!(second.status(), 200);
    assert_eq!(second.json::<Value>().await.unwrap(), serde_json::json!({"received": true, "duplicate": true}));
    app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    let metrics = app.metrics().await;
    assert!(metrics.contains("billing_webhooks_duplicate_total{type=\"customer.subscription.updated\"} 1"), "{metrics}");
    assert!(metrics.contains("billing_webhooks_received_total{type=\"customer.subscription.updated\"} 1"), "{metrics}");
}
both_stores!(a_repeated_delivery_is_acknowledged_as_duplicate_and_applied_once, duplicates);

async fn out_of_order(store: Store) {
    let app = spawn_app(store).await;
    // The deletion is delivered before the creation and the plan change it follows. Workers may
    // take the three one by one or together (claims go in Stripe's order); either way the end
    // state is Stripe's.
    for name in
        ["customer.subscription.deleted.json", "customer.subscription.updated.plan_change.json", "customer.subscription.created.json"]
    {
        assert_eq!(app.deliver(&fixture(name)).await.status(), 200);
    }
    app.wait_for_finished_events(3).await;
    let settled = app.subscription("org_42").await;
    assert_eq!((settled["status"].as_str(), settled["plan"].as_str()), (Some("canceled"), Some("free")));
}
both_stores!(events_delivered_out_of_order_end_in_stripes_order, out_of_order);

async fn late_snapshot(store: Store) {
    let app = spawn_app(store).await;
    // The deletion is applied before the older creation arrives at all.
    assert_eq!(app.deliver(&fixture("customer.subscription.deleted.json")).await.status(), 200);
    app.wait_for_finished_events(1).await;
    assert_eq!(app.deliver(&fixture("customer.subscription.created.json")).await.status(), 200);
    let metrics = app.wait_for_finished_events(2).await;
    assert!(metrics.contains("billing_webhooks_finished_total{outcome=\"stale\",type=\"customer.subscription.created\"} 1"), "{metrics}");
    let settled = app.subscription("org_42").await;
    assert_eq!((settled["status"].as_str(), settled["plan"].as_str()), (Some("canceled"), Some("free")));
}
both_stores!(a_snapshot_older_than_the_applied_state_is_recorded_as_stale, late_snapshot);

async fn unknown_org(store: Store) {
    let app = spawn_app(store).await;
    // No organization is named and the customer is unknown yet: recorded, retried, never dropped.
    let mut invoice = fixture_json("invoice.paid.json");
    invoice["data"]["object"]["parent"]["subscription_details"]["metadata"] = serde_json::json!({});
    let invoice = body(&invoice);
    assert_eq!(app.deliver(&invoice).await.status(), 200);
    app.wait_for_metrics(|m| m.contains("billing_webhooks_finished_total{outcome=\"failed\",type=\"invoice.paid\"}")).await;
    // The subscription event names the organization and its customer; the retry then resolves.
    assert_eq!(app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await.status(), 200);
    app.wait_for_metrics(|m| m.contains("billing_webhooks_finished_total{outcome=\"processed\",type=\"invoice.paid\"} 1")).await;
}
both_stores!(event_for_an_unknown_organization_is_retried_until_it_resolves, unknown_org);

async fn tie(store: Store) {
    let app = spawn_app(store).await;
    let body = fixture("customer.subscription.updated.plan_change.json");
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    let mut current = envelope["data"]["object"].clone();
    current["items"]["data"][0]["price"]["id"] = "price_team_monthly".into();
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_test_1RvK8mQ2bT7xZqLm"))
        .respond_with(ResponseTemplate::new(200).set_body_json(current))
        .expect(1..)
        .mount(&app.stripe)
        .await;
    // Two different events from the same second: the order is unknowable, so Stripe is asked.
    let mut twin = fixture_json("customer.subscription.updated.plan_change.json");
    twin["id"] = "evt_test_twin".into();
    let twin = self::body(&twin);
    assert_eq!(app.deliver(&body).await.status(), 200);
    assert_eq!(app.deliver(&twin).await.status(), 200);
    let s = app.subscription_when("org_42", |s| s["plan"] == "team").await;
    assert_eq!(s["status"], "active");
    let metrics = app.metrics().await;
    assert!(metrics.contains("billing_stripe_calls_total{operation=\"retrieve_subscription\",outcome=\"ok\"}"), "{metrics}");
    assert!(metrics.contains("billing_stripe_call_seconds_count{operation=\"retrieve_subscription\"}"), "{metrics}");
}
both_stores!(same_second_snapshots_are_settled_by_reading_stripe, tie);

async fn other_mode(store: Store) {
    let (database, dir) = database(store).await;
    // A live server whose secret list still holds a test endpoint's secret.
    let live_key = format!("sk_{}_fixture", "live");
    let app = spawn_configured(database, dir, true, |s| s.shared.stripe_secret_key = Some(secrecy::SecretString::from(live_key))).await;
    let res = app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await;
    assert_eq!(res.status(), 200, "Stripe must stop retrying it");
    app.wait_for_metrics(|m| m.contains("billing_webhooks_mode_mismatch_total{received=\"test\"} 1")).await;
    let entry = app.ledger_entry("evt_test_LhqrwhVH3oMtUZ3JZnZkv2ce").await;
    assert_eq!(entry.status, EventStatus::Ignored, "recorded, so an operator sees it, and never queued");
    assert!(entry.last_error.as_deref().is_some_and(|e| e.contains("test mode event")), "{entry:?}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.subscription("org_42").await["plan"], "free", "a test-mode event never changes a live plan");
}
both_stores!(a_test_mode_event_on_a_live_server_is_acknowledged_counted_and_ignored, other_mode);

async fn tenant_move(store: Store) {
    let app = spawn_app(store).await;
    assert_eq!(app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await.status(), 200);
    app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    // A later event for org_42's customer and subscription names org_99, as a Payment Link
    // buyer could make it do.
    let mut moved = fixture_json("customer.subscription.updated.plan_change.json");
    moved["id"] = "evt_test_names_another_org".into();
    moved["created"] = (moved["created"].as_i64().unwrap() + 10).into();
    moved["data"]["object"]["metadata"]["org_id"] = "org_99".into();
    moved["data"]["object"]["items"]["data"][0]["price"]["id"] = "price_team_monthly".into();
    assert_eq!(app.deliver(&body(&moved)).await.status(), 200);
    app.subscription_when("org_42", |s| s["plan"] == "team").await;
    let metrics = app.wait_for_finished_events(2).await;
    assert!(metrics.contains("billing_webhook_tenant_disagreements_total{type=\"customer.subscription.updated\"} 1"), "{metrics}");
    let other = app.subscription("org_99").await;
    assert_eq!((other["plan"].as_str(), other["status"].as_str()), (Some("free"), Some("none")), "org_99 gets nothing: {other}");
}
both_stores!(an_event_naming_another_organization_for_a_known_customer_is_applied_to_the_owner_and_counted, tenant_move);

async fn grouped(store: Store) {
    let app = spawn_app(store).await;
    // Forty deliveries at once: twenty events, each sent twice.
    let bodies: Vec<Vec<u8>> = (0..20)
        .map(|i| {
            let mut event = fixture_json("invoice.paid.json");
            event["id"] = format!("evt_test_grouped_{i}").into();
            body(&event)
        })
        .collect();
    let sends = bodies.iter().chain(bodies.iter()).map(|b| app.deliver(b));
    let answers = futures_util::future::join_all(sends).await;
    let mut duplicates = 0;
    for answer in answers {
        assert_eq!(answer.status(), 200);
        duplicates += usize::from(answer.json::<Value>().await.unwrap()["duplicate"] == true);
    }
    assert_eq!(duplicates, 20, "each event is recorded by exactly one of its two deliveries");
    let metrics = app.metrics().await;
    assert!(metrics.contains("billing_webhooks_received_total{type=\"invoice.paid\"} 20"), "{metrics}");
    // Every delivery went through exactly one group; how they grouped is the unit tests' concern.
    let grouped: f64 = metrics.lines().find_map(|l| l.strip_prefix("billing_webhook_group_size_sum ")).unwrap().parse().unwrap();
    assert!((grouped - 40.0).abs() < f64::EPSILON, "{grouped} deliveries counted in groups: {metrics}");
}
both_stores!(deliveries_arriving_together_are_recorded_by_group_commit_each_event_once, grouped);
