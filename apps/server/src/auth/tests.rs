use super::*;
use chrono::TimeZone;

const SECRET: &str = "unit-test-jwt-secret-of-32-bytes-or-more";

fn authority() -> TokenAuthority {
    TokenAuthority::new(Some(SecretString::from(SECRET)), TokenPolicy::default())
}

fn with_policy(policy: TokenPolicy) -> TokenAuthority {
    TokenAuthority::new(Some(SecretString::from(SECRET)), policy)
}

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000, 0).single().unwrap()
}

fn claims(exp_offset: i64) -> Claims {
    Claims {
        sub: "u_1".into(),
        org_id: "org_1".into(),
        role: Role::Owner,
        email: None,
        exp: now().timestamp() + exp_offset,
        iat: None,
        iss: None,
        aud: None,
    }
}

/// A token issued `age` seconds ago, expiring `exp_offset` seconds from now.
fn token_aged(exp_offset: i64, age: i64) -> String {
    authority().issue(claims(exp_offset), now() - chrono::Duration::seconds(age)).unwrap().0
}

fn token(exp_offset: i64) -> String {
    token_aged(exp_offset, 0)
}

/// The claims of a token this authority signed, read back without any policy.
fn decoded(token: &str) -> Claims {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    decode::<Claims>(token, &DecodingKey::from_secret(SECRET.as_bytes()), &validation).unwrap().claims
}

#[test]
fn valid_token_yields_the_user_and_organization() {
    let user = authority().verify(&token(60), now()).unwrap();
    assert_eq!((user.org.as_str(), user.role), ("org_1", Role::Owner));
}

#[test]
fn expired_or_foreign_tokens_are_refused() {
    assert_eq!(authority().verify(&token(-1), now()), Err(AuthError::Expired));
    let other = TokenAuthority::new(Some(SecretString::from("another-jwt-secret-of-32-bytes-or-more")), TokenPolicy::default());
    assert_eq!(other.verify(&token(60), now()), Err(AuthError::Invalid));
    assert_eq!(TokenAuthority::new(None, TokenPolicy::default()).verify(&token(60), now()), Err(AuthError::NotConfigured));
}

#[test]
fn owners_and_admins_pass_the_owner_check_and_members_do_not() {
    let user = |role| AuthUser { user_id: "u".into(), org: OrgId::parse("org_1").unwrap(), role, email: None };
    assert_eq!(user(Role::Owner).require_owner(), Ok(()));
    assert_eq!(user(Role::Admin).require_owner(), Ok(()));
    assert_eq!(user(Role::Member).require_owner(), Err(AuthError::NotOwner));
}

#[test]
fn refresh_accepts_recently_expired_tokens_only() {
    let (fresh, exp) = authority().refresh(&token(-1700), now()).unwrap();
    assert_eq!(exp, now().timestamp() + 3600);
    assert!(authority().verify(&fresh, now()).is_ok());
    assert_eq!(authority().refresh(&token(-1800), now()), Err(AuthError::Expired));
}

#[test]
fn issued_tokens_carry_their_issue_time_and_refresh_keeps_it() {
    let first = token_aged(60, 3 * 24 * 3600);
    let issued = decoded(&first).iat;
    assert_eq!(issued, Some(now().timestamp() - 3 * 24 * 3600));
    let (refreshed, _) = authority().refresh(&first, now()).unwrap();
    let (again, _) = authority().refresh(&refreshed, now() + chrono::Duration::seconds(600)).unwrap();
    assert_eq!(decoded(&again).iat, issued);
}

#[test]
fn refresh_is_refused_once_the_session_is_older_than_the_maximum() {
    let week = DEFAULT_MAX_SESSION_SECS;
    assert!(authority().refresh(&token_aged(60, week - 1), now()).is_ok());
    assert_eq!(authority().refresh(&token_aged(60, week), now()), Err(AuthError::SessionExpired));
}

#[test]
fn a_refreshed_token_never_outlives_its_session() {
    let (_, exp) = authority().refresh(&token_aged(60, DEFAULT_MAX_SESSION_SECS - 100), now()).unwrap();
    assert_eq!(exp, now().timestamp() + 100);
}

#[test]
fn a_token_without_an_issue_time_works_until_it_expires_but_cannot_be_refreshed() {
    let (bare, _) = authority().sign(&claims(60)).unwrap();
    assert!(authority().verify(&bare, now()).is_ok());
    assert_eq!(authority().refresh(&bare, now()), Err(AuthError::NotRefreshable));
}

#[test]
fn a_token_issued_in_the_future_cannot_be_refreshed() {
    let (future, _) = authority().sign(&Claims { iat: Some(now().timestamp() + 3600), ..claims(60) }).unwrap();
    assert_eq!(authority().refresh(&future, now()), Err(AuthError::Invalid));
}

#[test]
fn configured_issuer_and_audience_are_required_and_survive_refresh() {
    let policy = TokenPolicy { issuer: Some("https://app.example".into()), audience: Some("billing".into()), ..TokenPolicy::default() };
    let strict = with_policy(policy);
    let (ours, _) = strict.issue(claims(60), now()).unwrap();
    assert!(strict.verify(&ours, now()).is_ok());
    let (refreshed, _) = strict.refresh(&ours, now()).unwrap();
    let kept = decoded(&refreshed);
    assert_eq!((kept.iss.as_deref(), kept.aud), (Some("https://app.example"), Some(Audience::One("billing".into()))));
    let bare = authority().sign(&Claims { iat: Some(now().timestamp()), ..claims(60) }).unwrap().0;
    assert_eq!(strict.verify(&bare, now()), Err(AuthError::Invalid));
    let wrong = Claims { iss: Some("https://evil.example".into()), aud: Some(Audience::One("billing".into())), ..claims(60) };
    assert_eq!(strict.verify(&authority().sign(&wrong).unwrap().0, now()), Err(AuthError::Invalid));
    let listed =
        Claims { iss: Some("https://app.example".into()), aud: Some(Audience::Many(vec!["billing".into(), "x".into()])), ..claims(60) };
    assert!(strict.verify(&authority().sign(&listed).unwrap().0, now()).is_ok());
}
