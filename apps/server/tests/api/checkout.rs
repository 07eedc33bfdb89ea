//! Buying a plan over HTTP: Checkout, its verification and the Customer Portal.

use billing_server::auth::Role;
use reqwest::Method;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::both_stores;
use crate::helpers::*;
use crate::stripe::*;

async fn checkout_opens_a_session(store: Store) {
    let app = spawn_app(store).await;
    customer_and_session(&app.stripe).await;
    let (status, body) = app.owner_post("/api/billing/checkout", json!({"plan": "team"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["checkout_url"].as_str(), body["session_id"].as_str()), (Some(CHECKOUT_URL), Some(SESSION)));
    let sessions = received(&app.stripe, "POST", "/v1/checkout/sessions").await;
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(field(s, "line_items[0][price]").as_deref(), Some("price_team_monthly"));
    assert_eq!(field(s, "client_reference_id").as_deref(), Some("org_42"));
    assert_eq!(field(s, "metadata[org_id]").as_deref(), Some("org_42"));
    assert_eq!(field(s, "customer").as_deref(), Some(CUSTOMER));
    assert_eq!(field(s, "success_url").as_deref(), Some("http://app.test/settings/billing?session_id={CHECKOUT_SESSION_ID}"));
    assert_eq!(field(s, "cancel_url").as_deref(), Some("http://app.test/settings/billing"));
    let expires: i64 = field(s, "expires_at").and_then(|v| v.parse().ok()).expect("expires_at sent");
    let lifetime = expires - chrono::Utc::now().timestamp();
    assert!((23 * 3600..24 * 3600).contains(&lifetime), "just under Stripe's 24 h maximum: {lifetime}");
    let key = idempotency_key(s).expect("a key");
    let (installation, rest) = key.split_once(':').expect("namespaced by the installation");
    assert_eq!(installation.len(), 32, "{key}");
    assert!(rest.starts_with("billing:checkout:v"), "{key}");

    // A second click within five minutes gets the same session back instead of a new one (EC-18).
    let (status, again) = app.owner_post("/api/billing/checkout", json!({"plan": "team"})).await;
    assert_eq!((status, again["error"].as_str(), again["checkout_url"].as_str()), (409, Some("checkout_in_progress"), Some(CHECKOUT_URL)));
    assert_eq!(received(&app.stripe, "POST", "/v1/checkout/sessions").await.len(), 1);
    let metrics = app.metrics().await;
    assert!(metrics.contains("billing_checkout_sessions_total 1\n"), "one session opened, the second click is not one: {metrics}");
}
both_stores!(checkout_opens_one_session_and_a_second_click_gets_its_url, checkout_opens_a_session);

async fn checkout_refusals(store: Store) {
    let app = spawn_app(store).await;
    let (member, _) = app.send(Method::POST, "/api/billing/checkout", Role::Member, Some(json!({"plan": "team"}))).await;
    assert_eq!(member, 403);
    for (plan, status, code) in [("gold", 400, "unknown_plan"), ("not a plan", 400, "unknown_plan"), ("free", 400, "plan_not_purchasable")]
    {
        let (got, body) = app.owner_post("/api/billing/checkout", json!({"plan": plan})).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(code)), "{plan}");
    }
    let (got, body) = app.owner_post("/api/billing/checkout", json!({"plan": 7})).await;
    assert_eq!((got, body["error"].as_str()), (400, Some("invalid_request")));
    subscribe(&app, "price_team_monthly", "team").await;
    let (got, body) = app.owner_post("/api/billing/checkout", json!({"plan": "enterprise"})).await;
    assert_eq!((got, body["error"].as_str()), (409, Some("already_subscribed")));
    assert!(app.stripe.received_requests().await.unwrap_or_default().is_empty(), "no refusal reached Stripe");
}
both_stores!(checkout_refuses_members_unknown_and_free_plans_and_subscribers, checkout_refusals);

async fn stripe_failures(store: Store) {
    let (database, dir) = database(store).await;
    let app = spawn_configured(database, dir, true, |s| {
        s.shared.stripe_timeout_secs = 1;
        s.shared.stripe_max_retries = 0;
    })
    .await;
    mount(&app.stripe, "POST", "/v1/customers", 200, json!({"id": CUSTOMER, "object": "customer"})).await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3)))
        .up_to_n_times(1)
        .mount(&app.stripe)
        .await;
    let (status, body) = app.owner_post("/api/billing/checkout", json!({"plan": "team"})).await;
    assert_eq!((status, body["error"].as_str()), (504, Some("stripe_timeout")));
    mount(&app.stripe, "POST", "/v1/checkout/sessions", 503, json!({"error": {"type": "api_error"}})).await;
    let (status, body) = app.owner_post("/api/billing/checkout", json!({"plan": "team"})).await;
    assert_eq!((status, body["error"].as_str()), (502, Some("stripe_unavailable")));
    // Nothing was recorded: no pending checkout blocks the next attempt (EC-12).
    let s = app.subscription("org_42").await;
    assert_eq!((s["plan"].as_str(), s["notices"].as_array().map(Vec::len)), (Some("free"), Some(0)));
}
both_stores!(a_slow_stripe_answers_504_a_failing_one_502_and_nothing_is_recorded, stripe_failures);

async fn portal(store: Store) {
    let app = spawn_app(store).await;
    let (status, body) = app.send(Method::GET, "/api/billing/checkout", Role::Owner, None).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("no_billing_account")));
    subscribe(&app, "price_team_monthly", "team").await;
    mount(&app.stripe, "POST", "/v1/billing_portal/sessions", 200, json!({"id": "bps_1", "url": "https://billing.stripe.com/p/session/1"}))
        .await;
    let (member, _) = app.send(Method::GET, "/api/billing/checkout", Role::Member, None).await;
    assert_eq!(member, 403);
    let (status, body) = app.send(Method::GET, "/api/billing/checkout", Role::Admin, None).await;
    assert_eq!((status, body["portal_url"].as_str()), (200, Some("https://billing.stripe.com/p/session/1")));
    let calls = received(&app.stripe, "POST", "/v1/billing_portal/sessions").await;
    assert_eq!(field(&calls[0], "customer").as_deref(), Some(CUSTOMER));
    assert_eq!(field(&calls[0], "return_url").as_deref(), Some("http://app.test/settings/billing"));
    assert!(app.metrics().await.contains("billing_portal_sessions_total 1\n"), "only the link handed out counts");
}
both_stores!(the_portal_link_needs_a_billing_account_and_an_owner_or_admin, portal);

async fn verification(store: Store) {
    let app = spawn_app(store).await;
    let route = format!("/v1/checkout/sessions/{SESSION}");
    let verify = || app.owner_post("/api/billing/verify-session", json!({"session_id": SESSION}));
    let cases = [
        (session("org_other", "complete", "paid"), 403, "session_not_owned"),
        (session("org_42", "open", "unpaid"), 409, "checkout_incomplete"),
        (session("org_42", "complete", "unpaid"), 402, "payment_required"),
    ];
    for (answer, status, code) in cases {
        app.stripe.reset().await;
        mount(&app.stripe, "GET", &route, 200, answer).await;
        let (got, body) = verify().await;
        assert_eq!((got, body["error"].as_str()), (status, Some(code)));
    }
    app.stripe.reset().await;
    mount(&app.stripe, "GET", &route, 200, session("org_42", "complete", "paid")).await;
    mount(&app.stripe, "GET", &format!("/v1/subscriptions/{SUB}"), 200, subscription_on("price_team_monthly")).await;
    let (status, verified) = verify().await;
    assert_eq!((status, verified["plan"].as_str(), verified["status"].as_str()), (200, Some("team"), Some("active")), "{verified}");
    assert!(verified["current_period_end"].is_string(), "the period came from Stripe's subscription");
    // The webhook for the same session arriving afterwards changes nothing.
    let mut completed = fixture_json("checkout.session.completed.json");
    completed["data"]["object"]["id"] = SESSION.into();
    completed["data"]["object"]["client_reference_id"] = "org_42".into();
    assert_eq!(app.deliver(&body(&completed)).await.status(), 200);
    app.wait_for_finished_events(1).await;
    assert_eq!(app.subscription("org_42").await["plan"], "team");
}
both_stores!(verification_refuses_foreign_open_and_unpaid_sessions_and_fulfils_a_paid_one, verification);

async fn double_click(store: Store) {
    let app = spawn_app(store).await;
    customer_and_session(&app.stripe).await;
    let body = json!({"plan": "team"});
    let (first, second) =
        tokio::join!(app.owner_post("/api/billing/checkout", body.clone()), app.owner_post("/api/billing/checkout", body));
    assert!(first.0 == 200 || second.0 == 200, "{first:?} {second:?}");
    // However the two requests interleave, Stripe sees one key per object with one body, so it
    // creates one customer and one session and replays them for the other request.
    for route in ["/v1/customers", "/v1/checkout/sessions"] {
        let calls = received(&app.stripe, "POST", route).await;
        let keys: std::collections::BTreeSet<_> = calls.iter().filter_map(idempotency_key).collect();
        let bodies: std::collections::BTreeSet<_> = calls.iter().map(|c| c.body.clone()).collect();
        assert_eq!((keys.len(), bodies.len()), (1, 1), "{route}: {} calls", calls.len());
    }
}
both_stores!(a_double_clicked_checkout_sends_stripe_one_key_and_one_body_per_object, double_click);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_installations_never_send_stripe_the_same_key_for_the_same_decision() {
    // Two databases (a reset, or a second environment on one Stripe account) reach the same
    // organization at the same state version: their keys must still differ.
    let mut keys = Vec::new();
    for _ in 0..2 {
        let app = spawn_app(Store::Sqlite).await;
        customer_and_session(&app.stripe).await;
        assert_eq!(app.owner_post("/api/billing/checkout", json!({"plan": "team"})).await.0, 200);
        let calls = received(&app.stripe, "POST", "/v1/checkout/sessions").await;
        keys.push(calls.first().and_then(idempotency_key).expect("a key"));
    }
    assert_ne!(keys[0], keys[1]);
    let operation = |k: &str| k.split_once(':').map(|(_, rest)| rest.to_owned());
    assert_eq!(operation(&keys[0]), operation(&keys[1]), "the same decision, under two installations");
}
