//! Changing a subscription over HTTP: cancel, reactivate, upgrade, downgrade, quotes, catalog.

use billing_server::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_stores;
use crate::helpers::*;
use crate::stripe::*;

const SCHEDULE: &str = "sub_sched_test_1Dn9Yq";

async fn on_team(store: Store) -> TestApp {
    let app = spawn_app(store).await;
    subscribe(&app, "price_team_monthly", "team").await;
    mount(&app.stripe, "GET", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_team_monthly")).await;
    app
}

async fn cancel_and_reactivate(store: Store) {
    let app = on_team(store).await;
    mount(&app.stripe, "POST", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_team_monthly")).await;
    let (member, _) = app.send(Method::DELETE, "/api/billing/subscription", Role::Member, None).await;
    assert_eq!(member, 403);
    let (status, body) = app.send(Method::DELETE, "/api/billing/subscription", Role::Owner, None).await;
    assert_eq!((status, body["cancel_at_period_end"].as_bool(), body["plan"].as_str()), (200, Some(true), Some("team")));
    assert!(app.metrics().await.contains("billing_cancellations_total{kind=\"at_period_end\"} 1\n"), "the member's refusal does not count");
    let (status, body) = app.owner_post("/api/billing/subscription/reactivate", json!({})).await;
    assert_eq!((status, body["cancel_at_period_end"].as_bool()), (200, Some(false)));
    let calls = received(&app.stripe, "POST", &format!("/v1/subscriptions/{SUB}")).await;
    let flags: Vec<_> = calls.iter().map(|c| field(c, "cancel_at_period_end")).collect();
    assert_eq!(flags, vec![Some("true".to_owned()), Some("false".to_owned())]);
    let keys: Vec<_> = calls.iter().filter_map(idempotency_key).collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
    let (status, body) = app.owner_post("/api/billing/subscription/reactivate", json!({})).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("not_canceling")));
}
both_stores!(an_owner_cancels_at_period_end_and_reactivates, cancel_and_reactivate);

async fn upgrade(store: Store) {
    let app = on_team(store).await;
    mount(&app.stripe, "POST", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_business_monthly")).await;
    let (status, body) = app.owner_post("/api/billing/plan", json!({"plan": "enterprise"})).await;
    assert_eq!((status, body["plan"].as_str()), (200, Some("enterprise")), "{body}");
    let calls = received(&app.stripe, "POST", &format!("/v1/subscriptions/{SUB}")).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(field(&calls[0], "items[0][price]").as_deref(), Some("price_business_monthly"));
    assert_eq!(field(&calls[0], "proration_behavior").as_deref(), Some("always_invoice"));
    assert_eq!(field(&calls[0], "payment_behavior").as_deref(), Some("pending_if_incomplete"));
    assert!(idempotency_key(&calls[0]).is_some_and(|k| k.contains(":billing:upgrade:v")));
    let (status, body) = app.owner_post("/api/billing/plan", json!({"plan": "enterprise"})).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("same_plan")), "a double submit changes nothing twice");
}
both_stores!(an_upgrade_applies_now_with_the_proration_invoiced, upgrade);

async fn declined_upgrade(store: Store) {
    let app = on_team(store).await;
    let mut pending = subscription_on("price_team_monthly");
    pending["pending_update"] = json!({"expires_at": chrono::Utc::now().timestamp() + 82_800, "subscription_items": []});
    pending["latest_invoice"] = json!({"id": "in_test_1", "object": "invoice", "currency": "usd", "amount_due": 20000, "amount_paid": 0,
        "total": 20000, "status": "open", "hosted_invoice_url": "https://invoice.stripe.com/i/in_test_1"});
    mount(&app.stripe, "POST", &format!("/v1/subscriptions/{SUB}"), 200, pending).await;
    let (status, body) = app.owner_post("/api/billing/plan", json!({"plan": "enterprise"})).await;
    assert_eq!(status, 402, "{body}");
    assert!(matches!(body["error"].as_str(), Some("payment_failed" | "payment_requires_action")));
    assert_eq!(body["hosted_invoice_url"], "https://invoice.stripe.com/i/in_test_1");
    assert_eq!(app.subscription("org_42").await["plan"], "team", "the plan is unchanged");
}
both_stores!(a_declined_proration_charge_answers_402_and_keeps_the_plan, declined_upgrade);

/// Stripe's side of scheduling a downgrade: a schedule created from the subscription, then phased.
async fn mount_schedules(app: &TestApp) {
    let item = subscription_on("price_team_monthly")["items"]["data"][0].clone();
    let (start, end) = (item["current_period_start"].clone(), item["current_period_end"].clone());
    let schedule = json!({"id": SCHEDULE, "object": "subscription_schedule", "status": "active", "subscription": SUB,
        "current_phase": {"start_date": start, "end_date": end},
        "phases": [{"start_date": start, "end_date": end, "items": [{"price": "price_team_monthly", "quantity": 1}]}]});
    mount(&app.stripe, "POST", "/v1/subscription_schedules", 200, schedule.clone()).await;
    mount(&app.stripe, "POST", &format!("/v1/subscription_schedules/{SCHEDULE}"), 200, schedule).await;
}

async fn downgrade(store: Store) {
    let app = on_team(store).await;
    mount_schedules(&app).await;
    let usage = json!({"users": 12, "projects": 7, "test_runs": 400});
    let (status, body) = app.owner_post("/api/billing/plan", json!({"plan": "solo", "usage": usage})).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("usage_exceeds_target_plan")));
    assert_eq!(body["exceeded"], json!([{"limit": "users", "allowed": 1, "used": 12}]));
    let (status, body) = app.owner_post("/api/billing/plan", json!({"plan": "solo", "usage": usage, "force": true})).await;
    assert_eq!((status, body["plan"].as_str(), body["scheduled_change"]["plan"].as_str()), (200, Some("team"), Some("solo")), "{body}");
    let at = body["scheduled_change"]["effective_at"].as_str().unwrap_or_default().to_owned();
    let later: Value = app
        .get(&format!("/api/billing/entitlements?at={}", at.replace('+', "%2B")), Some(&token("org_42", Role::Member, 600)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(later["plan"], "solo", "{later}");
    let now: Value = app.get("/api/billing/entitlements", Some(&token("org_42", Role::Member, 600))).await.json().await.unwrap();
    assert_eq!((now["plan"].as_str(), now["next_change"]["reason"].as_str()), (Some("team"), Some("scheduled_change")));
    // Releasing the schedule keeps Team.
    let mut scheduled = subscription_on("price_team_monthly");
    scheduled["schedule"] = SCHEDULE.into();
    app.stripe.reset().await;
    mount(&app.stripe, "GET", &format!("/v1/subscriptions/{SUB}"), 200, scheduled).await;
    mount(
        &app.stripe,
        "POST",
        &format!("/v1/subscription_schedules/{SCHEDULE}/release"),
        200,
        json!({"id": SCHEDULE, "status": "released"}),
    )
    .await;
    let (status, body) = app.send(Method::DELETE, "/api/billing/plan/scheduled", Role::Owner, None).await;
    assert_eq!((status, body["scheduled_change"].clone()), (200, Value::Null), "{body}");
    assert_eq!(received(&app.stripe, "POST", &format!("/v1/subscription_schedules/{SCHEDULE}/release")).await.len(), 1);
}
both_stores!(a_downgrade_checks_usage_is_scheduled_and_can_be_released, downgrade);

async fn quotes(store: Store) {
    let app = on_team(store).await;
    mount(&app.stripe, "POST", "/v1/invoices/create_preview", 200, preview(20_000)).await;
    let (status, quote) = app.owner_post("/api/billing/proration", json!({"plan": "enterprise"})).await;
    assert_eq!(status, 200, "{quote}");
    assert_eq!(
        (quote["proration_amount"].as_i64(), quote["currency"].as_str(), quote["direction"].as_str()),
        (Some(20_000), Some("usd"), Some("upgrade"))
    );
    let (status, down) = app.owner_post("/api/billing/proration", json!({"plan": "solo"})).await;
    assert_eq!((status, down["proration_amount"].as_i64(), down["next_invoice_amount"].as_i64()), (200, Some(0), Some(2_900)));
    assert_eq!(received(&app.stripe, "POST", "/v1/invoices/create_preview").await.len(), 1, "a downgrade needs no preview");
    let (member, _) = app.send(Method::POST, "/api/billing/proration", Role::Member, Some(json!({"plan": "enterprise"}))).await;
    assert_eq!(member, 403);
    // The price moved since the quote: the change is refused and Stripe is not asked to change.
    app.stripe.reset().await;
    mount(&app.stripe, "GET", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_team_monthly")).await;
    mount(&app.stripe, "POST", "/v1/invoices/create_preview", 200, preview(21_000)).await;
    let change = json!({"plan": "enterprise", "quote": quote["quote"]});
    let (status, body) = app.owner_post("/api/billing/plan", change.clone()).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("quote_changed")));
    assert!(received(&app.stripe, "POST", &format!("/v1/subscriptions/{SUB}")).await.is_empty());
    // With the quoted amount, the change prorates at the quote's instant.
    app.stripe.reset().await;
    mount(&app.stripe, "GET", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_team_monthly")).await;
    mount(&app.stripe, "POST", "/v1/invoices/create_preview", 200, preview(20_000)).await;
    mount(&app.stripe, "POST", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_business_monthly")).await;
    let (status, body) = app.owner_post("/api/billing/plan", change).await;
    assert_eq!((status, body["plan"].as_str()), (200, Some("enterprise")), "{body}");
    let quoted_at =
        chrono::DateTime::parse_from_rfc3339(quote["proration_date"].as_str().unwrap_or_default()).map(|t| t.timestamp().to_string()).ok();
    let calls = received(&app.stripe, "POST", &format!("/v1/subscriptions/{SUB}")).await;
    assert_eq!(field(&calls[0], "proration_date"), quoted_at);
    let (status, body) = app.owner_post("/api/billing/plan", json!({"plan": "solo", "quote": "forged.quote.token"})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_quote")));
}
both_stores!(a_proration_quote_locks_the_price_of_the_change, quotes);

async fn catalog(store: Store) {
    let app = spawn_app(store).await;
    let plans = |app: &TestApp| {
        let t = token("org_42", Role::Member, 600);
        let (address, client) = (app.address.clone(), app.client.clone());
        async move { client.get(format!("{address}/api/billing/plans")).bearer_auth(t).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let free = plans(&app).await;
    let row = |v: &Value, id: &str| v["plans"].as_array().and_then(|p| p.iter().find(|x| x["id"] == id).cloned()).unwrap_or(Value::Null);
    assert_eq!((row(&free, "free")["current"].as_bool(), row(&free, "team")["action"].as_str()), (Some(true), Some("checkout")));
    assert_eq!(row(&free, "team")["price"]["currency"], "usd");
    subscribe(&app, "price_team_monthly", "team").await;
    let team = plans(&app).await;
    let actions: Vec<_> = ["free", "solo", "team", "enterprise"]
        .iter()
        .map(|id| (row(&team, id)["current"].as_bool(), row(&team, id)["action"].as_str().map(str::to_owned)))
        .collect();
    assert_eq!(actions[2], (Some(true), Some("manage".into())));
    assert_eq!((actions[1].1.as_deref(), actions[3].1.as_deref()), (Some("downgrade"), Some("upgrade")));
    let bad = app.get("/api/billing/entitlements?at=yesterday", Some(&token("org_42", Role::Member, 600))).await;
    assert_eq!(bad.status(), 400);
}
both_stores!(the_plans_endpoint_offers_the_action_that_applies, catalog);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_plan_change_limit_holds_across_two_instances_on_one_database() {
    let (database, _) = database(Store::Postgres).await;
    let a = spawn_on(database.clone(), None, true).await;
    let b = spawn_on(database, None, true).await;
    subscribe(&a, "price_team_monthly", "team").await;
    for app in [&a, &b] {
        mount(&app.stripe, "GET", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_team_monthly")).await;
        mount_schedules(app).await;
    }
    // Each downgrade request replaces the scheduled one and counts as a change; the two
    // instances share the count through the database, so the sixth within a minute is refused.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let app = if i % 2 == 0 { &a } else { &b };
        let (status, body) = app.owner_post("/api/billing/plan", json!({"plan": "solo"})).await;
        statuses.push((status, body["error"].as_str().map(str::to_owned)));
    }
    assert!(statuses[..5].iter().all(|(s, _)| *s == 200), "{statuses:?}");
    assert_eq!(statuses[5], (429, Some("too_many_plan_changes".to_owned())), "{statuses:?}");
    let res = b
        .client
        .post(format!("{}/api/billing/plan", b.address))
        .bearer_auth(token("org_42", Role::Owner, 600))
        .json(&json!({"plan": "solo"}))
        .send()
        .await
        .unwrap();
    let retry_after: i64 = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
    assert!((1..=60).contains(&retry_after), "{retry_after}");
}

async fn members_refused(store: Store) {
    let app = on_team(store).await;
    let owner_only = [
        (Method::POST, "/api/billing/checkout", Some(json!({"plan": "team"}))),
        (Method::GET, "/api/billing/checkout", None),
        (Method::POST, "/api/billing/verify-session", Some(json!({"session_id": SESSION}))),
        (Method::DELETE, "/api/billing/subscription", None),
        (Method::POST, "/api/billing/subscription/reactivate", None),
        (Method::POST, "/api/billing/plan", Some(json!({"plan": "enterprise"}))),
        (Method::DELETE, "/api/billing/plan/scheduled", None),
        (Method::POST, "/api/billing/proration", Some(json!({"plan": "enterprise"}))),
    ];
    for (verb, route, body) in owner_only {
        let (status, answer) = app.send(verb.clone(), route, Role::Member, body).await;
        assert_eq!((status, answer["error"].as_str()), (403, Some("forbidden")), "{verb} {route}");
    }
    for route in ["/api/billing/subscription", "/api/billing/plans", "/api/billing/entitlements", "/api/organization"] {
        let (status, _) = app.send(Method::GET, route, Role::Member, None).await;
        assert_eq!(status, 200, "{route} is open to members");
    }
    let stripe_calls = app.stripe.received_requests().await.unwrap_or_default();
    assert!(stripe_calls.is_empty(), "a refused member reached Stripe: {}", stripe_calls.len());
}
both_stores!(members_are_refused_every_owner_endpoint_and_may_read, members_refused);
