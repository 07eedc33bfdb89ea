//! Showing an organization and reconciling it with Stripe.

use std::sync::Arc;

use billing_admin::context::Admin;
use billing_admin::error::AdminError;
use billing_admin::{events, orgs};
use billing_core::ports::PaymentProvider;
use billing_core::retry::RetryPolicy;
use billing_core::services::EventProcessor;
use billing_core::OrgId;
use billing_stripe::StripeEventDecoder;
use chrono::DateTime;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{admin, event_page, fixture_json};

fn org(raw: &str) -> OrgId {
    raw.parse().expect("valid organization id")
}

/// Records the plan-change event through recovery and applies it as a server's worker would.
async fn enterprise_org(admin: &Admin, stripe: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(event_page(&["customer.subscription.updated.plan_change.json"], false)))
        .mount(stripe)
        .await;
    let (from, to) = (DateTime::from_timestamp(0, 0).unwrap(), DateTime::from_timestamp(2_000_000_000, 0).unwrap());
    events::recover(admin, from, to, 1).await.unwrap();
    let payments: Arc<dyn PaymentProvider> = admin.stripe().unwrap().clone();
    let decoder = Arc::new(StripeEventDecoder::new());
    let processor = EventProcessor::new(
        admin.repo.clone(),
        admin.ledger.clone(),
        payments,
        decoder,
        admin.clock.clone(),
        admin.rules.clone(),
        RetryPolicy::default(),
    );
    assert_eq!(processor.run_batch("w1", 10).await.unwrap().len(), 1);
}

/// Stripe answers `verb` on org_42's subscription with `object`, exactly once.
async fn stripe_subscription_answers(stripe: &MockServer, verb: &str, object: Value) {
    Mock::given(method(verb))
        .and(path("/v1/subscriptions/sub_test_1RvK8mQ2bT7xZqLm"))
        .respond_with(ResponseTemplate::new(200).set_body_json(object))
        .expect(1)
        .mount(stripe)
        .await;
}

#[tokio::test]
async fn an_organization_is_shown_with_its_stripe_ids() {
    let stripe = MockServer::start().await;
    let (admin, _dir) = admin(Some(&stripe)).await;
    enterprise_org(&admin, &stripe).await;
    let shown: Value = serde_json::from_str(&orgs::show(&admin, &org("org_42")).await.unwrap()).unwrap();
    assert_eq!(shown["organization"]["plan"], "enterprise");
    assert_eq!(shown["organization"]["billing"]["status"], "active");
    assert_eq!(shown["stripe"]["subscription"], "sub_test_1RvK8mQ2bT7xZqLm");
    assert_eq!(shown["stripe"]["customer"], "cus_test_Pq7Yb2WmXc41Ka");
    assert!(shown["version"].as_u64().is_some_and(|v| v > 0));
}

#[tokio::test]
async fn reconciling_applies_the_subscription_stripe_has_now() {
    let stripe = MockServer::start().await;
    let (admin, _dir) = admin(Some(&stripe)).await;
    enterprise_org(&admin, &stripe).await;
    // Stripe moved the subscription to Team and we never heard of it.
    let mut current = fixture_json("customer.subscription.updated.plan_change.json")["data"]["object"].clone();
    current["items"]["data"][0]["price"]["id"] = "price_team_monthly".into();
    stripe_subscription_answers(&stripe, "GET", current).await;
    let reconciled: Value = serde_json::from_str(&orgs::reconcile(&admin, &org("org_42")).await.unwrap()).unwrap();
    assert_eq!(
        (reconciled["organization"]["plan"].as_str(), reconciled["organization"]["billing"]["status"].as_str()),
        (Some("team"), Some("active"))
    );
    let stored = admin.repo.load(&org("org_42")).await.unwrap().unwrap();
    assert_eq!(stored.plan().as_str(), "team");
}

#[tokio::test]
async fn unknown_organizations_and_a_missing_key_are_reported() {
    let stripe = MockServer::start().await;
    let (with_key, _a) = admin(Some(&stripe)).await;
    assert!(matches!(orgs::show(&with_key, &org("org_nobody")).await, Err(AdminError::OrgNotFound(_))));
    assert!(matches!(orgs::reconcile(&with_key, &org("org_nobody")).await, Err(AdminError::OrgNotFound(_))));
    let (without_key, _b) = admin(None).await;
    assert!(matches!(orgs::reconcile(&without_key, &org("org_42")).await, Err(AdminError::StripeNotConfigured)));
}

#[tokio::test]
async fn cancelling_now_ends_the_subscription_in_stripe_frees_the_limits_and_audits_the_operator() {
    let stripe = MockServer::start().await;
    let (admin, _dir) = admin(Some(&stripe)).await;
    enterprise_org(&admin, &stripe).await;
    let canceled = fixture_json("customer.subscription.deleted.json")["data"]["object"].clone();
    stripe_subscription_answers(&stripe, "DELETE", canceled).await;
    let shown: Value = serde_json::from_str(&orgs::cancel_now(&admin, &org("org_42"), "alice").await.unwrap()).unwrap();
    assert_eq!(shown["organization"]["plan"], "free", "{shown}");
    let stored = admin.repo.load(&org("org_42")).await.unwrap().unwrap();
    assert_eq!((stored.plan().as_str(), stored.status().as_str()), ("free", "canceled"));
    let audit = admin.repo.audit_trail(&org("org_42"), 1).await.unwrap();
    assert!(format!("{:?}", audit[0].cause).contains("alice"), "{:?}", audit[0]);
    assert!(matches!(orgs::cancel_now(&admin, &org("org_nobody"), "alice").await, Err(AdminError::OrgNotFound(_))));
}

#[tokio::test]
async fn a_dry_run_reconcile_reports_the_drift_field_by_field_and_changes_nothing() {
    let stripe = MockServer::start().await;
    let (admin, _dir) = admin(Some(&stripe)).await;
    enterprise_org(&admin, &stripe).await;
    let before = admin.repo.load(&org("org_42")).await.unwrap().unwrap();
    let mut current = fixture_json("customer.subscription.updated.plan_change.json")["data"]["object"].clone();
    current["items"]["data"][0]["price"]["id"] = "price_team_monthly".into();
    current["cancel_at_period_end"] = true.into();
    stripe_subscription_answers(&stripe, "GET", current).await;
    let report = orgs::drift(&admin, &org("org_42")).await.unwrap();
    assert!(report.contains("plan: enterprise -> team\n"), "{report}");
    assert!(report.contains("cancel_at_period_end: false -> true\n"), "{report}");
    assert!(report.ends_with("org_42: 3 field(s) differ from Stripe (dry run, nothing changed)"), "{report}");
    assert_eq!(admin.repo.load(&org("org_42")).await.unwrap().unwrap(), before, "nothing was written");
}
