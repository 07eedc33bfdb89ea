//! Policies start-up derives from the settings: return URLs, retries, token lifetimes and the
//! Stripe mode.

use billing_core::retry::RetryPolicy;
use billing_core::services::{ReturnUrls, StripeMode};
use secrecy::ExposeSecret;

use crate::auth::TokenPolicy;
use crate::config::Settings;

/// Where Checkout and the billing portal send the user back to: this server's own billing pages
/// under `PUBLIC_URL` when it is set (a canceled checkout back to the plans), else the host app's
/// billing settings under `APP_BASE_URL`.
pub fn return_urls(settings: &Settings) -> ReturnUrls {
    match &settings.public_url {
        Some(base) => ReturnUrls {
            checkout_success: format!("{base}{}?session_id={{CHECKOUT_SESSION_ID}}", crate::pages::BILLING_PATH),
            checkout_cancel: format!("{base}{}?checkout=canceled", crate::pages::PRICING_PATH),
            portal_return: format!("{base}{}", crate::pages::BILLING_PATH),
        },
        None => {
            let base = &settings.app_base_url;
            ReturnUrls {
                checkout_success: format!("{base}/settings/billing?session_id={{CHECKOUT_SESSION_ID}}"),
                checkout_cancel: format!("{base}/settings/billing"),
                portal_return: format!("{base}/settings/billing"),
            }
        }
    }
}

/// How long failing events are retried: `BILLING_MAX_ATTEMPTS` attempts for causes that lie with
/// the event, and until `BILLING_RETRY_HORIZON_SECS` after receipt for outages.
pub(crate) fn retry_policy(settings: &Settings) -> RetryPolicy {
    let defaults = RetryPolicy::default();
    let horizon = i64::try_from(settings.retry_horizon_secs).ok().and_then(chrono::Duration::try_seconds).unwrap_or(defaults.horizon);
    RetryPolicy { max_attempts: settings.max_attempts, horizon, ..defaults }
}

/// The token lifetimes, issuer and audience from configuration.
pub(crate) fn token_policy(settings: &Settings) -> TokenPolicy {
    TokenPolicy {
        ttl_secs: settings.jwt_ttl_secs,
        refresh_window_secs: settings.jwt_refresh_window_secs,
        max_session_secs: settings.jwt_max_session_secs,
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
    }
}

/// The Stripe mode of the configured key: events of the other mode are acknowledged and ignored.
/// Without a key both are accepted, which start-up reports.
pub fn stripe_mode(settings: &Settings) -> Option<StripeMode> {
    let key = settings.shared.stripe_secret_key.as_ref()?;
    // Secret (`sk`) and restricted (`rk`) keys name their mode in their second part (`live` or `test`).
    let mut parts = key.expose_secret().splitn(3, '_');
    match (parts.next(), parts.next()) {
        (Some("sk" | "rk"), Some("live")) => Some(StripeMode::Live),
        (Some("sk" | "rk"), Some("test")) => Some(StripeMode::Test),
        _ => None,
    }
}
