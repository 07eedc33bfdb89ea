//! The bounds and shapes every setting must respect, checked however the settings were built,
//! so no value can overflow a duration or switch a protection off.

use std::net::IpAddr;
use std::ops::RangeInclusive;

use ipnet::IpNet;
use secrecy::ExposeSecret;

use super::{invalid, ConfigError, Settings};

/// The shortest `JWT_SECRET` accepted: an HS256 key shorter than the hash's 32 bytes weakens it,
/// and short secrets are the ones people guess.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

const WEEK_SECS: i64 = 7 * 24 * 3600;
const YEAR_SECS: i64 = 365 * 24 * 3600;

/// A setting's value beside the range it must lie in.
type Bound = (&'static str, i64, RangeInclusive<i64>);

/// An unsigned setting as a signed one; values past `i64::MAX` stay out of every range.
fn wide(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn bounds(s: &Settings) -> [Bound; 10] {
    [
        ("JWT_TTL_SECS", s.jwt_ttl_secs, 1..=WEEK_SECS),
        ("JWT_REFRESH_WINDOW_SECS", s.jwt_refresh_window_secs, 1..=WEEK_SECS),
        ("JWT_MAX_SESSION_SECS", s.jwt_max_session_secs, 60..=YEAR_SECS),
        ("BILLING_GRACE_DAYS", s.grace_days, 1..=365),
        // Beyond an hour, replayed deliveries would be accepted for too long.
        ("WEBHOOK_TOLERANCE_SECS", s.webhook_tolerance_secs, 1..=3600),
        ("STRIPE_TIMEOUT_SECS", wide(s.stripe_timeout_secs), 1..=300),
        ("STRIPE_MAX_RETRIES", i64::from(s.stripe_max_retries), 0..=10),
        ("BODY_READ_TIMEOUT_SECS", wide(s.body_read_timeout_secs), 1..=60),
        // Under an hour an ordinary outage would dead-letter events again; past a month nobody
        // is waiting for them.
        ("BILLING_RETRY_HORIZON_SECS", wide(s.retry_horizon_secs), 3600..=30 * 24 * 3600),
        // A statement of this service takes milliseconds; an hour is already a stuck one.
        ("DATABASE_STATEMENT_TIMEOUT_SECS", wide(s.database_statement_timeout_secs), 1..=3600),
    ]
}

/// Checks every bound and the secret's length.
pub(super) fn validate(s: &Settings) -> Result<(), ConfigError> {
    for (var, value, range) in bounds(s) {
        if !range.contains(&value) {
            return Err(ConfigError::OutOfRange { var, min: *range.start(), max: *range.end() });
        }
    }
    if s.jwt_secret.as_ref().is_some_and(|secret| secret.expose_secret().len() < MIN_JWT_SECRET_BYTES) {
        return Err(invalid(
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
            net.map(|n| n.trunc())
                .map_err(|_| invalid("TRUSTED_PROXIES", format!("`{entry}` is not an IP address or a CIDR range such as 10.0.0.0/8")))
        })
        .collect()
}
