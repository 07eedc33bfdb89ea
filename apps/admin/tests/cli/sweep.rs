//! `orgs reconcile --all`: every organization with a live subscription, one failure reported
//! and the others reconciled, a dry run changing nothing.

use billing_admin::reconcile;
use billing_core::ports::BillingRepository;
use billing_core::{Actor, AuditCause, SubscriptionStatus};
use billing_testkit::fixtures::{at, commit_of, decide_event, org, rules, subscription_event};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{admin, fixture_json, lines};
use crate::orgs::reconcile_args;

/// Organization `n` on an active Team subscription `sub_<n>` of `cus_<n>`, period day 0 to 30.
async fn team_org(repo: &dyn BillingRepository, n: usize) {
    let rules = rules();
    let state = repo.load_or_create(&org(n), rules.catalog.free_plan().id()).await.unwrap();
    let active =
        decide_event(&rules, &state, subscription_event(&format!("s{n}"), n, SubscriptionStatus::Active, "price_team", 10), at(10));
    repo.commit(commit_of(&rules, &active, None, at(10))).await.unwrap();
}

/// Stripe's subscription `sub_<n>` on `price`, in the stored period, as the API returns it.
fn subscription(n: usize, price: &str) -> Value {
    let mut object = fixture_json("customer.subscription.updated.plan_change.json")["data"]["object"].clone();
    object["id"] = format!("sub_{n}").into();
    object["customer"] = format!("cus_{n}").into();
    let item = &mut object["items"]["data"][0];
    item["price"]["id"] = price.into();
    item["current_period_start"] = at(0).timestamp().into();
    item["current_period_end"] = (at(0) + chrono::Duration::days(30)).timestamp().into();
    object
}

/// Stripe agrees with org_1, moved org_2 to Solo, and fails for org_3.
async fn stripe_for_three(stripe: &MockServer) {
    for (n, answer) in [
        (1, ResponseTemplate::new(200).set_body_json(subscription(1, "price_team_monthly"))),
        (2, ResponseTemplate::new(200).set_body_json(subscription(2, "price_solo_monthly"))),
        (3, ResponseTemplate::new(503)),
    ] {
        Mock::given(method("GET")).and(path(format!("/v1/subscriptions/sub_{n}"))).respond_with(answer).mount(stripe).await;
    }
}

#[tokio::test]
async fn a_dry_run_over_all_paid_organizations_reports_drift_and_failures_changes_nothing_and_exits_3() {
    let stripe = MockServer::start().await;
    let (admin, _db) = admin(Some(&stripe)).await;
    for n in 1..=3 {
        team_org(admin.repo.as_ref(), n).await;
    }
    admin.repo.load_or_create(&org(4), &"free".parse().unwrap()).await.unwrap();
    stripe_for_three(&stripe).await;
    let before = admin.repo.load(&org(2)).await.unwrap();
    let report = reconcile::all(&admin, &reconcile_args(None, true)).await.unwrap();
    assert_eq!(report.exit_status(), 3);
    assert_eq!(
        (report.json["checked"].as_u64(), report.json["dry_run"].as_bool()),
        (Some(3), Some(true)),
        "the free organization is not read"
    );
    assert_eq!(report.json["drifted"][0]["org"], "org_2");
    assert_eq!(report.json["drifted"][0]["drift"][0], serde_json::json!({"field": "plan", "ours": "team", "stripe": "solo"}));
    assert_eq!(report.json["failed"][0]["org"], "org_3");
    assert!(report.json["failed"][0]["error"].as_str().is_some_and(|e| e.contains("unavailable")), "{}", report.json);
    assert_eq!(lines(&report).last(), Some(&"checked 3 organization(s): 1 differ from Stripe, 1 failed (dry run, nothing changed)"));
    assert_eq!(admin.repo.load(&org(2)).await.unwrap(), before);
}

#[tokio::test]
async fn applying_to_all_reconciles_the_drifted_audited_with_the_operator_and_still_reports_the_failure() {
    let stripe = MockServer::start().await;
    let (admin, _db) = admin(Some(&stripe)).await;
    for n in 1..=3 {
        team_org(admin.repo.as_ref(), n).await;
    }
    stripe_for_three(&stripe).await;
    let version_of_1 = admin.repo.load(&org(1)).await.unwrap().unwrap().version();
    let report = reconcile::all(&admin, &reconcile_args(None, false)).await.unwrap();
    assert_eq!(report.exit_status(), 3, "a failure is a finding even when the rest was applied");
    assert_eq!(lines(&report).last(), Some(&"checked 3 organization(s): 1 were changed, 1 failed"));
    let org2 = admin.repo.load(&org(2)).await.unwrap().unwrap();
    assert_eq!(org2.plan().as_str(), "solo");
    let audit = admin.repo.audit_trail(&org(2), 1).await.unwrap();
    assert_eq!(audit[0].cause, AuditCause::Reconcile { actor: Actor::Admin("alice".into()) });
    assert_eq!(admin.repo.load(&org(1)).await.unwrap().unwrap().version(), version_of_1, "an organization that agrees is not written");
}
