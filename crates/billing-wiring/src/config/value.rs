//! Raw flag, environment and file values turned into settings the same way by both binaries.

use secrecy::SecretString;

/// A secret, trimmed; blank counts as unset, so an empty variable never becomes an empty key.
pub fn secret(value: Option<String>) -> Option<SecretString> {
    value.filter(|v| !v.trim().is_empty()).map(|v| SecretString::from(v.trim().to_owned()))
}

/// Whether `url` is one this service may call or send users to.
pub fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}
