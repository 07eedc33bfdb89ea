//! Authentication, roles, refresh and tenant isolation.

use billing_server::auth::Role;

use crate::helpers::*;

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = spawn_app(Store::Sqlite).await;
    let missing = app.get("/api/organization", None).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.json::<serde_json::Value>().await.unwrap()["error"], "missing_token");
    let garbage = app.get("/api/organization", Some("not.a.jwt")).await;
    assert_eq!(garbage.status(), 401);
    let expired = app.get("/api/organization", Some(&token("org_1", Role::Owner, -5))).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(expired.json::<serde_json::Value>().await.unwrap()["error"], "token_expired");
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client.post(format!("{}/api/auth/refresh", app.address)).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn token_expired_within_the_window_is_refreshed_and_works() {
    let app = spawn_app(Store::Sqlite).await;
    let res = refresh(&app, &token("org_1", Role::Member, -600)).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let fresh = body["token"].as_str().unwrap();
    assert_eq!(app.get("/api/organization", Some(fresh)).await.status(), 200);
}

#[tokio::test]
async fn token_expired_beyond_the_window_cannot_be_refreshed() {
    let app = spawn_app(Store::Sqlite).await;
    assert_eq!(refresh(&app, &token("org_1", Role::Owner, -1801)).await.status(), 401);
    assert_eq!(app.client.post(format!("{}/api/auth/refresh", app.address)).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn an_organization_only_ever_sees_its_own_billing() {
    let app = spawn_app(Store::Sqlite).await;
    assert_eq!(app.deliver(&fixture("customer.subscription.updated.plan_change.json")).await.status(), 200);
    let ours = app.subscription_when("org_42", |s| s["plan"] == "enterprise").await;
    assert_eq!(ours["status"], "active");
    let theirs = app.subscription("org_7").await;
    assert_eq!((theirs["plan"].as_str(), theirs["status"].as_str()), (Some("free"), Some("none")));
}

#[tokio::test]
async fn without_a_jwt_secret_the_api_answers_503() {
    let (database, dir) = database(Store::Sqlite).await;
    let stripe = wiremock::MockServer::start().await;
    let mut settings = settings(database, &stripe.uri(), false);
    settings.jwt_secret = None;
    let app = billing_server::startup::Application::build_with(settings, cadence()).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let res = reqwest::get(format!("{address}/api/billing/subscription")).await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["error"], "auth_not_configured");
    drop(dir);
}
