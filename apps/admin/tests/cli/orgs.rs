//! Showing an organization and reconciling it with Stripe.

use std::sync::Arc;

use billing_admin::cli::{ActorArg, ReconcileArgs};
use billing_admin::context::Admin;
use billing_admin::error::AdminError;
use billing_admin::{orgs, reconcile, recovery};
use billing_core::ports::PaymentProvider;
use billing_core::retry::RetryPolicy;
use billing_core::services::EventProcessor;
use billing_core::OrgId;
use billing_core::{Actor, AuditCause};
use billing_stripe::StripeEventDecoder;
use chrono::DateTime;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{admin, event_page, fixture_json, lines};

fn org(raw: &str) -> OrgId {
    raw.parse().expect("valid organization id")
}

/// Records the plan-change event through recovery and applies it as a server's worker would.
pub async fn enterprise_org(admin: &Admin, stripe: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(event_page(&["customer.subscription.updated.plan_change.json"], false)))
        .mount(stripe)
        .await;
    let (from, to) = (DateTime::from_timestamp(0, 0).unwrap(), DateTime::from_timestamp(2_000_000_000, 0).unwrap());
    recovery::recover(admin, from, to, 1, "alice").await.unwrap();
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

/// `orgs reconcile` of `org` as a script would run it (no confirmation, no pause).
pub fn reconcile_args(org: Option<&str>, dry_run: bool) -> ReconcileArgs {
    ReconcileArgs {
        org: org.map(|o| o.parse().unwrap()),
        all: org.is_none(),
        dry_run,
        pace: chrono::Duration::zero(),
        page_size: 100,
        actor: ActorArg { name: "alice".to_owned() },
        yes: true,
    }
}

/// org_42's subscription as Stripe has it now: moved to Team, which we never heard of.
pub fn moved_to_team() -> Value {
    let mut current = fixture_json("customer.subscription.updated.plan_change.json")["data"]["object"].clone();
    current["items"]["data"][0]["price"]["id"] = "price_team_monthly".into();
    current
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
    let (admin, _db) = admin(Some(&stripe)).await;
    enterprise_org(&admin, &stripe).await;
    let shown = orgs::show(&admin, &org("org_42")).await.unwrap();
    assert_eq!(shown.json["organization"]["plan"], "enterprise");
    assert_eq!(shown.json["organization"]["billing"]["status"], "active");
    assert_eq!(shown.json["stripe"]["subscription"], "sub_test_1RvK8mQ2bT7xZqLm");
    assert_eq!(shown.json["stripe"]["customer"], "cus_test_Pq7Yb2WmXc41Ka");
    assert!(shown.json["version"].as_u64().is_some_and(|v| v > 0));
    assert!(lines(&shown).iter().any(|l| l.contains("| organization.plan ") && l.contains("| enterprise ")), "{}", shown.text);
    assert!(lines(&shown).iter().any(|l| l.contains("| stripe.customer ") && l.contains("cus_test_Pq7Yb2WmXc41Ka")), "{}", shown.text);
}

#[tokio::test]
async fn reconciling_applies_the_subscription_stripe_has_now_audited_with_the_operator() {
    let stripe = MockServer::start().await;
    let (admin, _db) = admin(Some(&stripe)).await;
    enterprise_org(&admin, &stripe).await;
    stripe_subscription_answers(&stripe, "GET", moved_to_team()).await;
    let reconciled = reconcile::one(&admin, &org("org_42"), &reconcile_args(Some("org_42"), false)).await.unwrap();
    assert_eq!(reconciled.json["organization"]["organization"]["plan"], "team");
    assert_eq!(reconciled.json["drift"][0], serde_json::json!({"field": "plan", "ours": "enterprise", "stripe": "team"}));
    assert_eq!(reconciled.exit_status(), 0, "an applied reconcile is not a finding");
    assert!(reconciled.text.ends_with("org_42: reconciled with Stripe, 2 field(s) changed"), "{}", reconciled.text);
    let stored = admin.repo.load(&org("org_42")).await.unwrap().unwrap();
    assert_eq!(stored.plan().as_str(), "team");
    let audit = admin.repo.audit_trail(&org("org_42"), 1).await.unwrap();
    assert_eq!(audit[0].cause, AuditCause::Reconcile { actor: Actor::Admin("alice".into()) });
}

#[tokio::test]
async fn unknown_organizations_and_a_missing_key_are_reported() {
    let stripe = MockServer::start().await;
    let (with_key, _a) = admin(Some(&stripe)).await;
    assert!(matches!(orgs::show(&with_key, &org("org_nobody")).await, Err(AdminError::OrgNotFound(_))));
    let args = reconcile_args(Some("org_nobody"), false);
    assert!(matches!(reconcile::one(&with_key, &org("org_nobody"), &args).await, Err(AdminError::OrgNotFound(_))));
    let (without_key, _b) = admin(None).await;
    assert!(matches!(reconcile::one(&without_key, &org("org_42"), &args).await, Err(AdminError::StripeNotConfigured)));
}

#[tokio::test]
async fn cancelling_now_ends_the_subscription_in_stripe_frees_the_limits_and_audits_the_operator() {
    let stripe = MockServer::start().await;
    let (admin, _db) = admin(Some(&stripe)).await;
    enterprise_org(&admin, &stripe).await;
    let canceled = fixture_json("customer.subscription.deleted.json")["data"]["object"].clone();
    stripe_subscription_answers(&stripe, "DELETE", canceled).await;
    let shown = orgs::cancel_now(&admin, &org("org_42"), "alice").await.unwrap();
    assert_eq!(shown.json["organization"]["plan"], "free", "{}", shown.json);
    assert!(shown.text.ends_with("org_42: canceled in Stripe now by alice"), "{}", shown.text);
    let stored = admin.repo.load(&org("org_42")).await.unwrap().unwrap();
    assert_eq!((stored.plan().as_str(), stored.status().as_str()), ("free", "canceled"));
    let audit = admin.repo.audit_trail(&org("org_42"), 1).await.unwrap();
    assert_eq!(audit[0].cause, AuditCause::Command { name: "admin_cancel_now", actor: Actor::Admin("alice".into()) });
    assert!(matches!(orgs::cancel_now(&admin, &org("org_nobody"), "alice").await, Err(AdminError::OrgNotFound(_))));
}

#[tokio::test]
async fn a_dry_run_reconcile_reports_the_drift_field_by_field_changes_nothing_and_is_a_finding() {
    let stripe = MockServer::start().await;
    let (admin, _db) = admin(Some(&stripe)).await;
    enterprise_org(&admin, &stripe).await;
    let before = admin.repo.load(&org("org_42")).await.unwrap().unwrap();
    let mut current = moved_to_team();
    current["cancel_at_period_end"] = true.into();
    stripe_subscription_answers(&stripe, "GET", current).await;
    let report = reconcile::one(&admin, &org("org_42"), &reconcile_args(Some("org_42"), true)).await.unwrap();
    let rows = lines(&report);
    assert!(rows.iter().any(|l| l.contains("| plan ") && l.contains("| enterprise ") && l.contains("| team ")), "{}", report.text);
    assert!(
        rows.iter().any(|l| l.contains("| cancel_at_period_end ") && l.contains("| false ") && l.contains("| true ")),
        "{}",
        report.text
    );
    assert_eq!(rows.last(), Some(&"org_42: 3 field(s) differ from Stripe (dry run, nothing changed)"));
    assert_eq!(
        (report.exit_status(), report.json["dry_run"].as_bool(), report.json["drift"].as_array().map(Vec::len)),
        (3, Some(true), Some(3))
    );
    assert!(report.json["organization"].is_null());
    assert_eq!(admin.repo.load(&org("org_42")).await.unwrap().unwrap(), before, "nothing was written");
}
