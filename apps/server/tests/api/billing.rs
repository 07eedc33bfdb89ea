//! The read API through a subscription's life.

use billing_server::auth::Role;
use serde_json::Value;

use crate::both_stores;
use crate::helpers::*;

async fn never_subscribed_is_free_with_status_none(store: Store) {
    let app = spawn_app(store).await;
    let res = app.get("/api/organization", Some(&token("org_1", Role::Member, 600))).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let org = &body["organization"];
    assert_eq!(org["id"], "org_1");
    assert_eq!(org["plan"], "free");
    assert_eq!(org["limits"], serde_json::json!({"max_test_runs": 100, "max_users": 3, "max_projects": 3}));
    assert_eq!(org["billing"]["status"], "none");
    assert_eq!(org["billing"]["scheduled_change"], Value::Null);
    assert_eq!(org["notices"], serde_json::json!([]));
}
both_stores!(never_subscribed_organization_is_free_with_status_none, never_subscribed_is_free_with_status_none);

async fn lifecycle(store: Store) {
    let app = spawn_app(store).await;
    assert_eq!(app.deliver(&fixture("customer.subscription.created.json")).await.status(), 200);
    let incomplete = app.subscription_when("org_42", |s| s["status"] == "incomplete").await;
    assert_eq!(incomplete["plan"], "free", "an incomplete subscription grants nothing");
    assert_eq!(app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await.status(), 200);
    let active = app.subscription_when("org_42", |s| s["status"] == "active").await;
    assert_eq!(active["plan"], "enterprise");
    assert_eq!(app.deliver(&fixture("customer.subscription.updated.cancel_at_period_end.json")).await.status(), 200);
    let ending = app.subscription_when("org_42", |s| s["cancel_at_period_end"] == true).await;
    assert_eq!(ending["notices"][0]["kind"], "ends_on");
    let org: Value = app.get("/api/organization", Some(&token("org_42", Role::Owner, 600))).await.json().await.unwrap();
    assert_eq!(org["organization"]["limits"]["max_users"], Value::Null, "enterprise is unlimited");
    assert_eq!(app.deliver(&fixture("customer.subscription.deleted.json")).await.status(), 200);
    let canceled = app.subscription_when("org_42", |s| s["status"] == "canceled").await;
    assert_eq!(canceled["plan"], "free");
    assert_eq!(canceled["notices"][0]["kind"], "canceled");
}
both_stores!(subscription_lifecycle_is_reflected_in_the_read_api, lifecycle);

async fn payment_failure(store: Store) {
    let app = spawn_app(store).await;
    app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await;
    app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    // A failure newer than the snapshot (the fixture's is older) moves to past_due with grace.
    let mut failed = fixture_json("invoice.payment_failed.json");
    failed["created"] = chrono::Utc::now().timestamp().into();
    let failed = body(&failed);
    assert_eq!(app.deliver(&failed).await.status(), 200);
    let past_due = app.subscription_when("org_42", |s| s["status"] == "past_due").await;
    assert_eq!(past_due["plan"], "enterprise", "paid features stay during grace");
    assert!(past_due["grace_until"].is_string());
    assert_eq!(past_due["notices"][0]["kind"], "payment_failed");
    // The banner's facts: the failed invoice's amount, its page and the deadline (EC-2).
    let failed = &past_due["failed_payment"];
    assert_eq!((failed["amount"].as_i64(), failed["currency"].as_str()), (Some(2900), Some("usd")));
    assert_eq!(failed["hosted_invoice_url"], "https://invoice.stripe.com/i/acct_test_1ExampleAcct00/test_1RyQ3p3Sep2026Cd");
    assert_eq!(failed["grace_until"], past_due["grace_until"]);
    assert_eq!(past_due["last_payment"], Value::Null);
    // The timer worker keeps the gauges current; the processing histogram saw both events.
    app.wait_for_metrics(|m| {
        m.contains("billing_past_due_organizations 1")
            && m.contains("billing_webhook_processing_seconds_count{type=\"invoice.payment_failed\"} 1")
    })
    .await;
}
both_stores!(failed_payment_shows_past_due_with_grace, payment_failure);

async fn period_end_timer(store: Store) {
    let app = spawn_app(store).await;
    // Stripe said the subscription ends at period end, and the period ended a minute ago without
    // a deletion arriving: the timer worker ends it, as Stripe will.
    let mut ending = fixture_json("customer.subscription.updated.cancel_at_period_end.json");
    let now = chrono::Utc::now().timestamp();
    ending["created"] = (now - 120).into();
    ending["data"]["object"]["items"]["data"][0]["current_period_end"] = (now - 60).into();
    assert_eq!(app.deliver(&body(&ending)).await.status(), 200);
    let ended = app.subscription_when("org_42", |s| s["status"] == "canceled").await;
    assert_eq!((ended["plan"].as_str(), ended["cancel_at_period_end"].as_bool()), (Some("free"), Some(false)));
}
both_stores!(a_period_end_stripe_has_not_reported_is_applied_by_the_timer_worker, period_end_timer);

async fn payment_recovery(store: Store) {
    let app = spawn_app(store).await;
    app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await;
    app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    let mut paid = fixture_json("invoice.paid.json");
    paid["created"] = chrono::Utc::now().timestamp().into();
    assert_eq!(app.deliver(&body(&paid)).await.status(), 200);
    let s = app.subscription_when("org_42", |s| s["last_payment"].is_object()).await;
    let last = &s["last_payment"];
    assert_eq!((last["amount"].as_i64(), last["currency"].as_str()), (Some(2900), Some("usd")));
    assert!(last["at"].is_string());
    assert_eq!(s["failed_payment"], Value::Null, "nothing is overdue");
}
both_stores!(the_last_successful_payment_is_shown_with_its_amount, payment_recovery);
