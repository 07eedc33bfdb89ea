//! Notices reach the host application as signed JSON POSTs, retried until accepted.

use billing_stripe::{verify_signature, WebhookSecret};
use secrecy::SecretString;
use serde_json::Value;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::both_stores;
use crate::helpers::*;

const NOTICE_SECRET: &str = "nsec_fixture-NOT-A-REAL-SECRET";

/// The payment-failure deliveries the receiver got so far, with their signature headers.
async fn payment_failures(receiver: &MockServer) -> Vec<(Value, String, String)> {
    let requests = receiver.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter_map(|r| {
            let body: Value = serde_json::from_slice(&r.body).ok()?;
            let header = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let signature = header("Billing-Signature");
            let id = header("Billing-Notice-Id");
            // The signature covers the exact bytes received.
            let secrets = [WebhookSecret::new(NOTICE_SECRET)];
            verify_signature(&r.body, Some(&signature), &secrets, chrono::Utc::now(), chrono::Duration::seconds(300)).ok()?;
            (body["notice"]["kind"] == "payment_failed").then_some((body, id, signature))
        })
        .collect()
}

async fn payment_failure_notice(store: Store) {
    let receiver = MockServer::start().await;
    // The host application is down for the first delivery of the payment failure.
    Mock::given(method("POST"))
        .and(path("/billing-notices"))
        .and(body_partial_json(serde_json::json!({"notice": {"kind": "payment_failed"}})))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST")).and(path("/billing-notices")).respond_with(ResponseTemplate::new(204)).mount(&receiver).await;
    let (database, dir) = database(store).await;
    let url = format!("{}/billing-notices", receiver.uri());
    let app = spawn_configured(database, dir, true, |s| {
        s.notify_webhook_url = Some(SecretString::from(url));
        s.notify_webhook_secret = Some(SecretString::from(NOTICE_SECRET));
    })
    .await;
    app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await;
    app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    let mut failed = fixture_json("invoice.payment_failed.json");
    failed["created"] = chrono::Utc::now().timestamp().into();
    assert_eq!(app.deliver(&body(&failed)).await.status(), 200);

    let mut deliveries = Vec::new();
    for _ in 0..100 {
        deliveries = payment_failures(&receiver).await;
        if deliveries.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(deliveries.len(), 2, "refused once, then accepted: {deliveries:?}");
    let (first, first_id, _) = &deliveries[0];
    assert_eq!(first["organization_id"], "org_42");
    assert!(first["notice"]["grace_until"].is_string());
    assert_eq!(first["id"].as_str(), Some(first_id.as_str()), "the header repeats the body's id");
    assert_eq!(deliveries[1].1, *first_id, "a retry keeps the id, so the receiver can deduplicate");
    // Accepted deliveries are not repeated.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(payment_failures(&receiver).await.len(), 2);
}
both_stores!(a_failed_payment_is_posted_to_the_host_application_until_accepted, payment_failure_notice);

async fn recovery_metrics(store: Store) {
    let app = spawn_app(store).await;
    app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await;
    app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    let now = chrono::Utc::now().timestamp();
    let two_days = 2 * 86_400;
    let mut failed = fixture_json("invoice.payment_failed.json");
    failed["created"] = (now - two_days).into();
    app.deliver(&body(&failed)).await;
    app.subscription_when("org_42", |s| s["status"] == "past_due").await;
    let mut paid = fixture_json("invoice.paid.json");
    paid["created"] = now.into();
    app.deliver(&body(&paid)).await;
    app.subscription_when("org_42", |s| s["status"] == "active").await;

    let metrics = app.wait_for_metrics(|m| m.contains("billing_payment_recovery_seconds_count 1")).await;
    assert!(metrics.contains(&format!("billing_payment_recovery_seconds_sum {two_days}\n")), "{metrics}");
    assert!(metrics.contains("billing_payment_recovery_seconds_bucket{le=\"86400\"} 0"), "{metrics}");
    assert!(metrics.contains("billing_payment_recovery_seconds_bucket{le=\"259200\"} 1"), "{metrics}");
    for kind in ["payment_failed", "payment_recovered"] {
        assert!(metrics.contains(&format!("billing_notices_settled_total{{kind=\"{kind}\"}} 1")), "{kind}: {metrics}");
    }
}
both_stores!(a_recovered_payment_is_measured_from_the_failure_that_opened_the_grace_period, recovery_metrics);
