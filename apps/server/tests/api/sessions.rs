//! Sessions: refreshing keeps the first issue time and stops after `JWT_MAX_SESSION_SECS`; a
//! token without `iat` cannot be refreshed; a configured issuer and audience are required.

use billing_server::auth::{Audience, Claims, Role};
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::helpers::*;

const DAY: i64 = 24 * 3600;

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client.post(format!("{}/api/auth/refresh", app.address)).bearer_auth(token).send().await.unwrap()
}

async fn error_code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_owned())
}

/// The token of a successful refresh.
async fn refreshed(app: &TestApp, token: &str) -> String {
    let res = refresh(app, token).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// The claims of a token signed with the tests' secret, checking nothing but the signature.
fn claims_of(token: &str) -> Claims {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    decode::<Claims>(token, &DecodingKey::from_secret(JWT_SECRET.as_bytes()), &validation).unwrap().claims
}

/// A token whose session began `age` seconds ago.
fn token_aged(age: i64) -> String {
    let issued = chrono::Utc::now() - chrono::Duration::seconds(age);
    authority().issue(claims("org_1", Role::Owner, 600), issued).unwrap().0
}

#[tokio::test]
async fn a_refreshed_token_keeps_the_sessions_first_issue_time() {
    let app = spawn_app(Store::Sqlite).await;
    let first = token_aged(3 * DAY);
    let began = claims_of(&first).iat;
    assert!(began.is_some());
    let second = refreshed(&app, &first).await;
    let third = refreshed(&app, &second).await;
    assert_eq!(claims_of(&third).iat, began);
    assert_eq!(app.get("/api/organization", Some(&third)).await.status(), 200);
}

#[tokio::test]
async fn a_session_older_than_the_maximum_cannot_be_refreshed() {
    let app = spawn_app(Store::Sqlite).await;
    assert_eq!(error_code(refresh(&app, &token_aged(7 * DAY + 60)).await).await, (401, "session_expired".into()));
    let short = spawn_with(|s| s.jwt_max_session_secs = 3600).await;
    assert_eq!(refresh(&short, &token_aged(3000)).await.status(), 200);
    assert_eq!(error_code(refresh(&short, &token_aged(3700)).await).await, (401, "session_expired".into()));
}

#[tokio::test]
async fn a_token_without_an_issue_time_works_until_it_expires_but_cannot_be_refreshed() {
    let app = spawn_app(Store::Sqlite).await;
    let (bare, _) = authority().sign(&claims("org_1", Role::Owner, 600)).unwrap();
    assert!(claims_of(&bare).iat.is_none());
    assert_eq!(app.get("/api/organization", Some(&bare)).await.status(), 200);
    assert_eq!(error_code(refresh(&app, &bare).await).await, (401, "token_not_refreshable".into()));
}

#[tokio::test]
async fn a_configured_issuer_and_audience_are_required_and_kept_by_refresh() {
    let app = spawn_with(|s| {
        s.jwt_issuer = Some("https://app.example".into());
        s.jwt_audience = Some("billing-api".into());
    })
    .await;
    assert_eq!(
        error_code(app.get("/api/organization", Some(&token("org_1", Role::Owner, 600))).await).await,
        (401, "invalid_token".into())
    );
    let mut ours = claims("org_1", Role::Owner, 600);
    ours.iss = Some("https://app.example".into());
    ours.aud = Some(Audience::One("billing-api".into()));
    let (token, _) = authority().issue(ours, chrono::Utc::now()).unwrap();
    assert_eq!(app.get("/api/organization", Some(&token)).await.status(), 200);
    let kept = claims_of(&refreshed(&app, &token).await);
    assert_eq!((kept.iss.as_deref(), kept.aud), (Some("https://app.example"), Some(Audience::One("billing-api".into()))));
}
