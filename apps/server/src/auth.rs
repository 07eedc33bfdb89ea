//! Bearer-token authentication: HS256 JWTs naming the user, the organization and a role.

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};
use billing_core::{Actor, OrgId};
use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// What a user may do within their organization; tokens and the API name it in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

/// How long a session may be kept alive by refreshing, unless `JWT_MAX_SESSION_SECS` says otherwise.
pub const DEFAULT_MAX_SESSION_SECS: i64 = 7 * 24 * 3600;

/// How far in the future a token's issue time may lie, for clocks that disagree a little.
const CLOCK_SKEW_SECS: i64 = 60;

/// The token's claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub org_id: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub exp: i64,
    /// When the session began: the first token's issue time, which refreshing keeps. A token
    /// without it works until `exp` but cannot be refreshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
}

/// The `aud` claim, which JWTs may give as one string or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The lifetimes and the issuer and audience tokens must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPolicy {
    /// Lifetime of a refreshed token.
    pub ttl_secs: i64,
    /// How long after expiry a token may still be refreshed.
    pub refresh_window_secs: i64,
    /// How long after its first token (`iat`) a session may still be refreshed.
    pub max_session_secs: i64,
    /// `iss` every token must carry, when set.
    pub issuer: Option<String>,
    /// `aud` every token must carry, when set; without it, tokens that carry an audience are refused.
    pub audience: Option<String>,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        Self { ttl_secs: 3600, refresh_window_secs: 1800, max_session_secs: DEFAULT_MAX_SESSION_SECS, issuer: None, audience: None }
    }
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
    #[error("this token has no issue time (iat), so it cannot be refreshed; sign in again")]
    NotRefreshable,
    #[error("the session is older than the longest session allowed; sign in again")]
    SessionExpired,
}

/// Verifies and issues tokens.
pub struct TokenAuthority {
    secret: Option<SecretString>,
    policy: TokenPolicy,
}

impl std::fmt::Debug for TokenAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAuthority").field("configured", &self.secret.is_some()).field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl TokenAuthority {
    pub fn new(secret: Option<SecretString>, policy: TokenPolicy) -> Self {
        Self { secret, policy }
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

    /// Decodes a token checking the signature, issuer and audience; expiry is judged by the caller.
    fn claims(&self, token: &str) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        let mut required = vec!["exp"];
        if let Some(issuer) = &self.policy.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        if let Some(audience) = &self.policy.audience {
            validation.set_audience(&[audience]);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
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

    /// A fresh token for a valid one, or for one that expired less than the refresh window ago
    /// (EC-19). The new token keeps the session's first issue time, issuer and audience, and
    /// never outlives the session, so refreshing cannot keep a stolen token alive forever.
    ///
    /// # Errors
    /// [`AuthError`] when the token is invalid, expired for longer than the window, has no issue
    /// time, or belongs to a session older than the maximum.
    pub fn refresh(&self, token: &str, now: DateTime<Utc>) -> Result<(String, i64), AuthError> {
        let claims = self.claims(token)?;
        let now = now.timestamp();
        if claims.exp.saturating_add(self.policy.refresh_window_secs) <= now {
            return Err(AuthError::Expired);
        }
        AuthUser::try_from(claims.clone())?;
        let session_end = self.session_end(&claims, now)?;
        self.sign(&Claims { exp: now.saturating_add(self.policy.ttl_secs).min(session_end), ..claims })
    }

    /// When the token's session stops being refreshable.
    fn session_end(&self, claims: &Claims, now: i64) -> Result<i64, AuthError> {
        let issued = claims.iat.ok_or(AuthError::NotRefreshable)?;
        if issued > now.saturating_add(CLOCK_SKEW_SECS) {
            return Err(AuthError::Invalid);
        }
        let end = issued.saturating_add(self.policy.max_session_secs);
        if end <= now {
            return Err(AuthError::SessionExpired);
        }
        Ok(end)
    }

    /// Signs the first token of a session: `iat` is `now` and the configured issuer and audience
    /// are filled in, unless `claims` already carries them.
    ///
    /// # Errors
    /// [`AuthError::NotConfigured`] without a secret.
    pub fn issue(&self, claims: Claims, now: DateTime<Utc>) -> Result<(String, i64), AuthError> {
        let claims = Claims {
            iat: claims.iat.or(Some(now.timestamp())),
            iss: claims.iss.or_else(|| self.policy.issuer.clone()),
            aud: claims.aud.or_else(|| self.policy.audience.clone().map(Audience::One)),
            ..claims
        };
        self.sign(&claims)
    }

    /// Signs `claims` exactly as given; used by refresh and by tests.
    ///
    /// # Errors
    /// [`AuthError::NotConfigured`] without a secret.
    pub fn sign(&self, claims: &Claims) -> Result<(String, i64), AuthError> {
        let token =
            encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(self.secret()?)).map_err(|_| AuthError::Invalid)?;
        Ok((token, claims.exp))
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
mod tests;
