//! Bearer-token authentication: HS256 JWTs naming the user, the organization and a role.

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};
use billing_core::{Actor, OrgId};
use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// What a user may do within their organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

/// The token's claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub org_id: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub exp: i64,
}

/// Why a token was refused; never says more than the category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token")]
    Invalid,
    #[error("token expired")]
    Expired,
    #[error("authentication is not configured on this server")]
    NotConfigured,
    #[error("this action needs the owner or admin role")]
    NotOwner,
}

/// Verifies and issues tokens.
pub struct TokenAuthority {
    secret: Option<SecretString>,
    ttl_secs: i64,
    refresh_window_secs: i64,
}

impl std::fmt::Debug for TokenAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAuthority")
            .field("configured", &self.secret.is_some())
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl TokenAuthority {
    pub fn new(secret: Option<SecretString>, ttl_secs: i64, refresh_window_secs: i64) -> Self {
        Self { secret, ttl_secs, refresh_window_secs }
    }

    /// Fails when no secret is configured, so callers can answer 503 before looking at the request.
    ///
    /// # Errors
    /// [`AuthError::NotConfigured`].
    pub fn ensure_configured(&self) -> Result<(), AuthError> {
        self.secret().map(drop)
    }

    fn secret(&self) -> Result<&[u8], AuthError> {
        self.secret.as_ref().map(|s| s.expose_secret().as_bytes()).ok_or(AuthError::NotConfigured)
    }

    /// Decodes a token checking the signature only; expiry is judged by the caller.
    fn claims(&self, token: &str) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp".to_owned()].into_iter().collect();
        decode::<Claims>(token, &DecodingKey::from_secret(self.secret()?), &validation).map(|d| d.claims).map_err(|_| AuthError::Invalid)
    }

    /// The user of a valid, unexpired token.
    ///
    /// # Errors
    /// [`AuthError`] for missing configuration, bad tokens and expired ones.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AuthUser, AuthError> {
        let claims = self.claims(token)?;
        if claims.exp <= now.timestamp() {
            return Err(AuthError::Expired);
        }
        AuthUser::try_from(claims)
    }

    /// A fresh token for a valid one, or for one that expired less than the refresh window ago (EC-19).
    ///
    /// # Errors
    /// [`AuthError`] when the token is invalid or expired for longer than the window.
    pub fn refresh(&self, token: &str, now: DateTime<Utc>) -> Result<(String, i64), AuthError> {
        let claims = self.claims(token)?;
        if claims.exp + self.refresh_window_secs <= now.timestamp() {
            return Err(AuthError::Expired);
        }
        AuthUser::try_from(claims.clone())?;
        self.issue(Claims { exp: now.timestamp() + self.ttl_secs, ..claims })
    }

    /// Signs `claims`; used by refresh and by tests.
    ///
    /// # Errors
    /// [`AuthError::NotConfigured`] without a secret.
    pub fn issue(&self, claims: Claims) -> Result<(String, i64), AuthError> {
        let exp = claims.exp;
        let token =
            encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(self.secret()?)).map_err(|_| AuthError::Invalid)?;
        Ok((token, exp))
    }
}

/// The authenticated caller. The organization always comes from the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: String,
    pub org: OrgId,
    pub role: Role,
    pub email: Option<String>,
}

impl TryFrom<Claims> for AuthUser {
    type Error = AuthError;

    fn try_from(c: Claims) -> Result<Self, AuthError> {
        let org = OrgId::parse(c.org_id).map_err(|_| AuthError::Invalid)?;
        if c.sub.trim().is_empty() {
            return Err(AuthError::Invalid);
        }
        Ok(Self { user_id: c.sub, org, role: c.role, email: c.email })
    }
}

impl AuthUser {
    /// Mutations, the portal link and quotes need the owner (or admin) role.
    ///
    /// # Errors
    /// [`AuthError::NotOwner`] for members.
    pub fn require_owner(&self) -> Result<(), AuthError> {
        match self.role {
            Role::Owner | Role::Admin => Ok(()),
            Role::Member => Err(AuthError::NotOwner),
        }
    }

    /// Who the audit trail names for this caller's commands.
    pub fn actor(&self) -> Actor {
        Actor::User(self.user_id.clone())
    }
}

/// An authenticated caller with the owner or admin role; members are refused with 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner(pub AuthUser);

impl FromRequest for Owner {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload).into_inner();
        ready(user.and_then(|u| u.require_owner().map_err(ApiError::Auth).map(|()| Owner(u))))
    }
}

/// The bearer token of a request.
pub fn bearer(req: &HttpRequest) -> Result<&str, AuthError> {
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION).ok_or(AuthError::Missing)?;
    let value = header.to_str().map_err(|_| AuthError::Invalid)?;
    value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).ok_or(AuthError::Missing)
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<crate::state::AppState>>() {
            Some(state) => state
                .auth
                .ensure_configured()
                .and_then(|()| bearer(req))
                .and_then(|t| state.auth.verify(t, state.clock_now()))
                .map_err(ApiError::Auth),
            None => Err(ApiError::Auth(AuthError::NotConfigured)),
        };
        ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn authority() -> TokenAuthority {
        TokenAuthority::new(Some(SecretString::from("test-secret")), 3600, 1800)
    }

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000, 0).single().unwrap()
    }

    fn token(exp_offset: i64) -> String {
        let claims =
            Claims { sub: "u_1".into(), org_id: "org_1".into(), role: Role::Owner, email: None, exp: now().timestamp() + exp_offset };
        authority().issue(claims).unwrap().0
    }

    #[test]
    fn valid_token_yields_the_user_and_organization() {
        let user = authority().verify(&token(60), now()).unwrap();
        assert_eq!((user.org.as_str(), user.role), ("org_1", Role::Owner));
    }

    #[test]
    fn expired_or_foreign_tokens_are_refused() {
        assert_eq!(authority().verify(&token(-1), now()), Err(AuthError::Expired));
        let other = TokenAuthority::new(Some(SecretString::from("other")), 3600, 1800);
        assert_eq!(other.verify(&token(60), now()), Err(AuthError::Invalid));
        assert_eq!(TokenAuthority::new(None, 1, 1).verify(&token(60), now()), Err(AuthError::NotConfigured));
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
}
