//! Token refresh (EC-19): a valid token, or one expired less than the window ago, gets a new one,
//! as long as its session (from `iat`) is younger than `JWT_MAX_SESSION_SECS`.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{TimeZone, Utc};

use crate::auth::{bearer, AuthError};
use crate::dto::TokenResponse;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TokenResponse),
        (status = 401, body = ErrorBody, description = "missing_token, invalid_token, token_expired, token_not_refreshable, session_expired"),
        (status = 503, body = ErrorBody)))]
#[post("/api/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    state.auth.ensure_configured().map_err(ApiError::Auth)?;
    let token = bearer(&req).map_err(ApiError::Auth)?;
    let (token, exp) = state.auth.refresh(token, state.clock_now()).map_err(ApiError::Auth)?;
    let expires_at = Utc.timestamp_opt(exp, 0).single().ok_or(ApiError::Auth(AuthError::Invalid))?;
    Ok(HttpResponse::Ok().json(TokenResponse { token, expires_at }))
}
