//! The bounds and shapes the server's own settings must respect, checked however the settings
//! were built, so no value can overflow a duration or switch a protection off. The shared
//! settings' bounds are billing-wiring's.

use std::net::IpAddr;

use billing_core::services::StripeMode;
use billing_wiring::config::{check_bounds, is_http, wide, Bound};
use ipnet::IpNet;
use secrecy::ExposeSecret;

use super::{ConfigError, Settings};

/// The shortest `JWT_SECRET` accepted: an HS256 key shorter than the hash's 32 bytes weakens it,
/// and short secrets are the ones people guess.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

const WEEK_SECS: i64 = 7 * 24 * 3600;
const YEAR_SECS: i64 = 365 * 24 * 3600;

fn bounds(s: &Settings) -> [Bound; 7] {
    [
        ("JWT_TTL_SECS", s.jwt_ttl_secs, 1..=WEEK_SECS),
        ("JWT_REFRESH_WINDOW_SECS", s.jwt_refresh_window_secs, 1..=WEEK_SECS),
        ("JWT_MAX_SESSION_SECS", s.jwt_max_session_secs, 60..=YEAR_SECS),
        // Beyond an hour, replayed deliveries would be accepted for too long.
        ("WEBHOOK_TOLERANCE_SECS", s.webhook_tolerance_secs, 1..=3600),
        ("BODY_READ_TIMEOUT_SECS", wide(s.body_read_timeout_secs), 1..=60),
        // Under an hour an ordinary outage would dead-letter events again; past a month nobody
        // is waiting for them.
        ("BILLING_RETRY_HORIZON_SECS", wide(s.retry_horizon_secs), 3600..=30 * 24 * 3600),
        // Stripe allows 100 reads a second in live mode and 25 in test mode, shared with every
        // other caller of the account; a background check takes a small share of it.
        ("DRIFT_CHECK_RATE", i64::from(s.drift_check_rate), 1..=20),
    ]
}

/// Checks the shared bounds, then the server's, then the secret's length.
pub(super) fn validate(s: &Settings) -> Result<(), ConfigError> {
    s.shared.validate()?;
    check_bounds(bounds(s))?;
    // More often than every five minutes the checks would never rest on a large account.
    if s.drift_check_interval_secs != 0 && !(300..=WEEK_SECS).contains(&wide(s.drift_check_interval_secs)) {
        return Err(ConfigError::invalid("DRIFT_CHECK_INTERVAL_SECS", "must be 0 (off) or between 300 and 604800"));
    }
    // The demo points the server at a simulator and prints how to buy plans; with a live key
    // configured, a slip in that wiring could charge real cards.
    if s.demo && crate::startup::stripe_mode(s) == Some(StripeMode::Live) {
        return Err(ConfigError::invalid(
            "STRIPE_SECRET_KEY",
            "a live key cannot be used in demo mode (--demo, BILLING_DEMO); unset it or use a test key",
        ));
    }
    if s.jwt_secret.as_ref().is_some_and(|secret| secret.expose_secret().len() < MIN_JWT_SECRET_BYTES) {
        return Err(ConfigError::invalid(
            "JWT_SECRET",
            format!("must be at least {MIN_JWT_SECRET_BYTES} bytes long; generate one with `openssl rand -hex 32`"),
        ));
    }
    Ok(())
}

/// `TRUSTED_PROXIES`: comma-separated CIDR ranges or single addresses.
pub(super) fn trusted_proxies(list: Option<&str>) -> Result<Vec<IpNet>, ConfigError> {
    let entries = list.unwrap_or_default().split(',').map(str::trim).filter(|entry| !entry.is_empty());
    entries
        .map(|entry| {
            let net = entry.parse::<IpNet>().or_else(|_| entry.parse::<IpAddr>().map(IpNet::from));
            net.map(|n| n.trunc()).map_err(|_| {
                ConfigError::invalid("TRUSTED_PROXIES", format!("`{entry}` is not an IP address or a CIDR range such as 10.0.0.0/8"))
            })
        })
        .collect()
}

/// `PUBLIC_URL`: the origin the pages are served from, as an http(s) URL without a path. The
/// pages' links, assets and API calls are root-absolute (`/assets/…`, `/api/…`), so a server
/// behind a path prefix would send people to pages that do not exist; credentials, a query or a
/// fragment would be copied into every return URL given to Stripe.
pub(super) fn public_url(value: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(url) = value else { return Ok(None) };
    let origin_only = |u: &url::Url| {
        u.host().is_some()
            && u.username().is_empty()
            && u.password().is_none()
            && u.path() == "/"
            && u.query().is_none()
            && u.fragment().is_none()
    };
    if !is_http(&url) || !url::Url::parse(&url).is_ok_and(|u| origin_only(&u)) {
        return Err(ConfigError::invalid(
            "PUBLIC_URL",
            "must be an http:// or https:// URL with no path, credentials, query or fragment, \
             e.g. https://billing.example.com (the pages are served from the root)",
        ));
    }
    Ok(Some(url.trim_end_matches('/').to_owned()))
}

/// The default `PAGES_FRAME_ANCESTORS`: no site may frame the pages.
pub const NO_FRAME_ANCESTORS: &str = "'none'";

/// `PAGES_FRAME_ANCESTORS`: CSP source expressions separated by spaces. Anything that could end
/// the directive (`;`, `,`) or the header (control characters) is refused, and `'none'` must
/// stand alone, as CSP ignores it beside other sources.
pub(super) fn frame_ancestors(value: Option<String>) -> Result<String, ConfigError> {
    let Some(raw) = value else { return Ok(NO_FRAME_ANCESTORS.to_owned()) };
    let sources: Vec<&str> = raw.split_whitespace().collect();
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_graphic() && c != ';' && c != ',');
    let keyword = |s: &str| !s.starts_with('\'') || s == "'self'" || s == "'none'";
    if !sources.iter().all(|s| plain(s) && keyword(s)) || (sources.len() > 1 && sources.contains(&NO_FRAME_ANCESTORS)) {
        return Err(ConfigError::invalid(
            "PAGES_FRAME_ANCESTORS",
            "expected 'none', 'self' or origins such as https://app.example.com, separated by spaces",
        ));
    }
    Ok(sources.join(" "))
}
