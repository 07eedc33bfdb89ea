//! Webhook signature verification, pure: raw body bytes, the `Stripe-Signature` header, the
//! accepted secrets and "now" in; which secret matched (or which check failed) out.
//!
//! Stripe signs `"{t}." + body` with HMAC-SHA256 under the endpoint secret and sends
//! `t=<unix>,v1=<hex>[,v1=<hex>…]`; several `v1` values appear while a rolled secret overlaps
//! the old one. `v0` (a test-mode decoy), unknown schemes and malformed entries are ignored
//! ([`header`]).

mod header;

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

pub use header::{parse_signature_header, SignatureHeader};

type HmacSha256 = Hmac<Sha256>;

/// Stripe's official libraries accept timestamps up to this many seconds old.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// [`DEFAULT_TOLERANCE_SECS`] as a duration.
pub fn default_tolerance() -> Duration {
    Duration::seconds(DEFAULT_TOLERANCE_SECS)
}

/// An endpoint's signing secret (`whsec_…`), used verbatim as the HMAC key; never printed.
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(SecretString::from(secret.into()))
    }
}

impl From<SecretString> for WebhookSecret {
    fn from(secret: SecretString) -> Self {
        Self(secret)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

/// A successful verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// Index into the accepted secrets of the one that matched, for rotation telemetry.
    pub secret_index: usize,
    /// The header's `t`.
    pub timestamp: i64,
}

/// Which check a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    MissingHeader,
    /// No entry has the `key=value` form, or no `t` entry holds an integer.
    #[error("Stripe-Signature header is malformed")]
    MalformedHeader,
    #[error("Stripe-Signature header has no timestamp")]
    NoTimestamp,
    #[error("Stripe-Signature header has no v1 signature")]
    NoV1Signature,
    /// There are `v1` entries, but none of them is 64 hex digits.
    #[error("no v1 signature is 64 hex digits")]
    BadHex,
    #[error("no webhook secret is configured")]
    NoSecrets,
    #[error("no v1 signature matches any accepted secret")]
    NoMatchingSignature,
    #[error("timestamp {t} is outside the tolerance around {now}")]
    TimestampOutsideTolerance { t: i64, now: i64 },
}

impl SignatureError {
    /// A short, stable name of the failed check, for metrics, logs and reports.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader => "missing_header",
            Self::MalformedHeader => "malformed_header",
            Self::NoTimestamp => "no_timestamp",
            Self::NoV1Signature => "no_v1_signature",
            Self::BadHex => "bad_hex",
            Self::NoSecrets => "no_secrets",
            Self::NoMatchingSignature => "no_matching_signature",
            Self::TimestampOutsideTolerance { .. } => "timestamp_outside_tolerance",
        }
    }
}

/// Verifies a delivery: accepted when any `v1` matches any secret and `|now − t| <= tolerance`.
///
/// The signature is checked before the timestamp, so a tolerance failure means an authentic but
/// stale delivery (a replay or clock skew). Comparisons are constant-time.
///
/// # Errors
/// The [`SignatureError`] naming the first check that failed.
pub fn verify_signature(
    payload: &[u8],
    header: Option<&str>,
    secrets: &[WebhookSecret],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<VerifiedSignature, SignatureError> {
    let parsed = parse_signature_header(header.ok_or(SignatureError::MissingHeader)?)?;
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    let secret_index = secrets
        .iter()
        .position(|secret| keyed_mac(secret.0.expose_secret(), payload, parsed.timestamp).is_some_and(|mac| matches_any(&mac, &parsed.v1)))
        .ok_or(SignatureError::NoMatchingSignature)?;
    let now_secs = now.timestamp();
    let tolerance_secs = u64::try_from(tolerance.num_seconds()).unwrap_or(0);
    if now_secs.abs_diff(parsed.timestamp) > tolerance_secs {
        return Err(SignatureError::TimestampOutsideTolerance { t: parsed.timestamp, now: now_secs });
    }
    Ok(VerifiedSignature { secret_index, timestamp: parsed.timestamp })
}

/// The HMAC state after absorbing `"{t}." + payload` under `secret`.
///
/// HMAC accepts keys of any length, so this is `None` only in theory.
fn keyed_mac(secret: &str, payload: &[u8], t: i64) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    Some(mac)
}

fn matches_any(mac: &HmacSha256, signatures: &[Vec<u8>]) -> bool {
    signatures.iter().any(|signature| mac.clone().verify_slice(signature).is_ok())
}

/// The lowercase hex `v1` signature of `payload` at time `t` under `secret`.
fn compute_signature(payload: &[u8], secret: &str, t: i64) -> String {
    keyed_mac(secret, payload, t).map(|mac| hex::encode(mac.finalize().into_bytes())).unwrap_or_default()
}

/// A valid `Stripe-Signature` header for `payload`, for tests of code that receives webhooks.
pub fn generate_test_header(payload: &[u8], secret: &str, t: i64) -> String {
    format!("t={t},v1={}", compute_signature(payload, secret, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_not_printed() {
        let secret = WebhookSecret::new("whsec_do_not_print");

        assert!(!format!("{secret:?}").contains("do_not_print"));
    }
}
