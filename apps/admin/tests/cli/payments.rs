//! `payments failures` and `payments refund`.

use billing_admin::cli::{ActorArg, RefundArgs};
use billing_admin::error::AdminError;
use billing_admin::{payments, recovery};
use billing_core::retry::RetryPolicy;
use billing_core::services::{BillingError, EventProcessor};
use billing_core::{Actor, AuditCause, Currency, Money, RefundReason, TransitionError};
use billing_stripe::StripeEventDecoder;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::sync::Arc;
use wiremock::matchers::{body_string_contains, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{admin, event_page, fixture_json, lines};

const CHARGE: &str = "ch_test_3S0aLw6Sep2026Gh";

/// Recovers `files` from a mocked Stripe and applies them as a server's worker would.
async fn processed(admin: &billing_admin::context::Admin, stripe: &MockServer, files: &[&str]) {
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(event_page(files, false)))
        .mount(stripe)
        .await;
    let (from, to) = (DateTime::from_timestamp(0, 0).unwrap(), DateTime::from_timestamp(2_000_000_000, 0).unwrap());
    recovery::recover(admin, from, to, 1, "alice").await.unwrap();
    let payments: Arc<dyn billing_core::ports::PaymentProvider> = admin.stripe().unwrap().clone();
    let processor = EventProcessor::new(
        admin.repo.clone(),
        admin.ledger.clone(),
        payments,
        Arc::new(StripeEventDecoder::new()),
        admin.clock.clone(),
        admin.rules.clone(),
        RetryPolicy::default(),
    );
    while !processor.run_batch("w1", 10).await.unwrap().is_empty() {}
}

#[tokio::test]
async fn a_failed_payment_is_listed_with_amount_and_invoice_and_shown_recovered_once_paid() {
    let stripe = MockServer::start().await;
    let (admin, _db) = admin(Some(&stripe)).await;
    processed(&admin, &stripe, &["invoice.payment_failed.json"]).await;
    let since = Utc::now() - Duration::days(7);
    let open = payments::failures(&admin, since, 10).await.unwrap();
    let failure = &open.json["failures"][0];
    assert_eq!((failure["org_id"].as_str(), failure["invoice_id"].as_str()), (Some("org_42"), Some("in_test_1RyQ3p3Sep2026Cd")));
    assert_eq!((failure["amount"]["minor_units"].as_i64(), failure["amount"]["currency"].as_str()), (Some(2900), Some("usd")));
    assert_eq!((failure["failed_at"].as_str(), failure["recovered"].as_bool()), (Some("2026-09-03T15:03:06+00:00"), Some(false)));
    assert!(
        lines(&open).last().is_some_and(|l| l.starts_with("1 failed payment(s) since") && l.ends_with(", 1 not recovered")),
        "{}",
        open.text
    );

    stripe.reset().await;
    processed(&admin, &stripe, &["invoice.paid.json"]).await;
    let paid = payments::failures(&admin, since, 10).await.unwrap();
    assert_eq!(paid.json["failures"][0]["recovered_at"], "2026-09-06T09:41:13+00:00");
    assert!(lines(&paid)[2].contains("| yes, paid 2026-09-06T09:41:13+00:00 |"), "{}", paid.text);
    let later = payments::failures(&admin, Utc::now() + Duration::hours(1), 10).await.unwrap();
    assert_eq!(later.json["failures"].as_array().map(Vec::len), Some(0), "--since narrows");
}

/// A refund of org_42's renewal charge as a script would ask for it.
fn refund_args(amount: Option<i64>, cancel: bool) -> RefundArgs {
    RefundArgs {
        org: "org_42".parse().unwrap(),
        charge: CHARGE.parse().unwrap(),
        amount,
        reason: Some(RefundReason::RequestedByCustomer),
        cancel,
        actor: ActorArg { name: "alice".to_owned() },
        yes: true,
    }
}

/// Stripe's renewal charge, made to `customer`, of which nothing was refunded yet.
async fn charge_of(stripe: &MockServer, customer: &str) {
    let mut charge = fixture_json("charge.refunded.json")["data"]["object"].clone();
    charge["customer"] = customer.into();
    charge["amount_refunded"] = 0.into();
    charge["refunded"] = false.into();
    Mock::given(method("GET"))
        .and(path(format!("/v1/charges/{CHARGE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(charge))
        .mount(stripe)
        .await;
}

fn refund_object(amount: i64) -> Value {
    let mut refund = fixture_json("refund.json");
    refund["charge"] = CHARGE.into();
    refund["amount"] = amount.into();
    refund
}

/// org_42 on Enterprise, and Stripe's charge made to `customer`.
async fn enterprise_org_with_charge_of(stripe: &MockServer, customer: &str) -> (billing_admin::context::Admin, String) {
    let (admin, db) = admin(Some(stripe)).await;
    processed(&admin, stripe, &["customer.subscription.updated.plan_change.json"]).await;
    charge_of(stripe, customer).await;
    (admin, db)
}

#[tokio::test]
async fn a_refund_of_the_organizations_own_charge_goes_through_stripe_and_is_audited_with_the_operator() {
    let stripe = MockServer::start().await;
    let (admin, _db) = enterprise_org_with_charge_of(&stripe, "cus_test_Pq7Yb2WmXc41Ka").await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .and(body_string_contains("amount=500"))
        .and(body_string_contains("metadata%5Borg_id%5D=org_42"))
        .and(header_exists("idempotency-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refund_object(500)))
        .expect(1)
        .mount(&stripe)
        .await;
    let done = payments::refund(&admin, &refund_args(Some(500), false)).await.unwrap();
    assert_eq!(
        (done.json["refund"]["amount"]["minor_units"].as_i64(), done.json["refund"]["status"].as_str()),
        (Some(500), Some("succeeded"))
    );
    assert_eq!(
        (done.json["refunded_by"].as_str(), done.json["organization"]["organization"]["plan"].as_str()),
        (Some("alice"), Some("enterprise"))
    );
    assert!(lines(&done).iter().any(|l| l.contains("| refund ") && l.contains("re_1Pgc72B7WZ01zgkWqPvrRrPE")), "{}", done.text);
    let audit = admin.repo.audit_trail(&"org_42".parse().unwrap(), 1).await.unwrap();
    let charge = CHARGE.parse().unwrap();
    assert_eq!(audit[0].cause, AuditCause::Refund { actor: Actor::Admin("alice".into()), charge, amount: Money::new(500, Currency::USD) });
}

#[tokio::test]
async fn another_customers_charge_is_refused_and_nothing_is_refunded() {
    let stripe = MockServer::start().await;
    let (admin, _db) = enterprise_org_with_charge_of(&stripe, "cus_someone_else").await;
    Mock::given(method("POST")).and(path("/v1/refunds")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&stripe).await;
    let refused = payments::refund(&admin, &refund_args(None, false)).await;
    assert!(matches!(refused, Err(AdminError::Billing(BillingError::Transition(TransitionError::ChargeNotOwned(_))))), "{refused:?}");
    let unknown = payments::refund(&admin, &RefundArgs { org: "org_nobody".parse().unwrap(), ..refund_args(None, false) }).await;
    assert!(matches!(unknown, Err(AdminError::OrgNotFound(_))), "{unknown:?}");
}

#[tokio::test]
async fn a_refund_with_cancel_refunds_then_cancels_now_and_audits_both() {
    let stripe = MockServer::start().await;
    let (admin, _db) = enterprise_org_with_charge_of(&stripe, "cus_test_Pq7Yb2WmXc41Ka").await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refund_object(2900)))
        .expect(1)
        .mount(&stripe)
        .await;
    let canceled = fixture_json("customer.subscription.deleted.json")["data"]["object"].clone();
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_test_1RvK8mQ2bT7xZqLm"))
        .respond_with(ResponseTemplate::new(200).set_body_json(canceled))
        .expect(1)
        .mount(&stripe)
        .await;
    let done = payments::refund(&admin, &refund_args(None, true)).await.unwrap();
    assert_eq!((done.json["canceled"].as_bool(), done.json["organization"]["organization"]["plan"].as_str()), (Some(true), Some("free")));
    let audit = admin.repo.audit_trail(&"org_42".parse().unwrap(), 2).await.unwrap();
    assert_eq!(audit[0].cause, AuditCause::Command { name: "admin_cancel_now", actor: Actor::Admin("alice".into()) });
    assert!(
        matches!(audit[1].cause, AuditCause::Refund { ref actor, amount, .. } if *actor == Actor::Admin("alice".into()) && amount.minor_units() == 2900)
    );
}
