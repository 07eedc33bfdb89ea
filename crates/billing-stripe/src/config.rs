//! How to reach Stripe: base URL, key, pinned API version, timeouts and the retry budget.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;

/// Stripe's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com";

/// The API version every request pins with the `Stripe-Version` header.
pub const DEFAULT_API_VERSION: &str = "2026-10-28.endive";

/// Settings of a [`crate::StripeClient`]. Build with [`StripeConfig::new`], then adjust fields.
#[derive(Clone)]
pub struct StripeConfig {
    /// Where requests go; a wiremock or stripe-mock URL in tests.
    pub base_url: String,
    /// The secret key (a test or live `sk_` key); never printed.
    pub api_key: SecretString,
    /// Sent as `Stripe-Version` on every request.
    pub api_version: String,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for one attempt, from sending the request to reading the whole body.
    pub total_timeout: Duration,
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// First backoff delay; doubles on each retry.
    pub backoff_base: Duration,
    /// Longest single backoff delay.
    pub backoff_cap: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub max_retry_elapsed: Duration,
    /// Sent as `<prefix>:` before every `Idempotency-Key`, so two installations (or a database
    /// reset) sharing one Stripe account never replay each other's requests. Visible ASCII, at
    /// most [`MAX_IDEMPOTENCY_PREFIX_LEN`] bytes; `None` sends the keys unchanged.
    pub idempotency_prefix: Option<String>,
}

/// The longest accepted [`StripeConfig::idempotency_prefix`]; it leaves room within Stripe's
/// 255-byte keys for the keys billing-core builds.
pub const MAX_IDEMPOTENCY_PREFIX_LEN: usize = 64;

impl StripeConfig {
    /// Defaults for production: Stripe's URL, the pinned version, 5 s to connect, 10 s per
    /// attempt, 2 retries backing off from 500 ms up to 5 s, retries stop after 30 s.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key,
            api_version: DEFAULT_API_VERSION.to_owned(),
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(10),
            max_retries: 2,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(5),
            max_retry_elapsed: Duration::from_secs(30),
            idempotency_prefix: None,
        }
    }

    /// The same settings with another base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The same settings with every idempotency key sent as `<prefix>:<key>`.
    pub fn with_idempotency_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.idempotency_prefix = Some(prefix.into());
        self
    }
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"[REDACTED]")
            .field("api_version", &self.api_version)
            .field("connect_timeout", &self.connect_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_cap", &self.backoff_cap)
            .field("max_retry_elapsed", &self.max_retry_elapsed)
            .field("idempotency_prefix", &self.idempotency_prefix)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_key() {
        // Arrange
        let config = StripeConfig::new(SecretString::from("sk_test_very_secret_value"));

        // Act
        let printed = format!("{config:?}");

        // Assert
        assert!(!printed.contains("sk_test_very_secret_value"));
        assert!(printed.contains("[REDACTED]"));
        assert!(printed.contains(DEFAULT_API_VERSION));
    }

    #[test]
    fn debug_output_shows_the_idempotency_prefix() {
        let config = StripeConfig::new(SecretString::from("sk_test_x")).with_idempotency_prefix("0123456789abcdef0123456789abcdef");

        let printed = format!("{config:?}");

        assert!(printed.contains("idempotency_prefix: Some(\"0123456789abcdef0123456789abcdef\")"), "{printed}");
    }

    #[test]
    fn no_idempotency_prefix_is_the_default() {
        assert_eq!(StripeConfig::new(SecretString::from("sk_test_x")).idempotency_prefix, None);
    }
}
