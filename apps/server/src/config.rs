//! Configuration: command-line flags and environment variables, then an optional TOML file, then
//! defaults. The settings billing-admin reads too come from billing-wiring; this module adds the
//! server's own (listening, webhooks, API tokens, workers, notices) around them.

mod args;
mod file;
mod validate;

use std::net::SocketAddr;

use clap::Parser;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

pub use args::Args;
pub use billing_wiring::config::{ConfigError, DatabaseConfig, SharedSettings};
pub use file::FileConfig;
pub use validate::MIN_JWT_SECRET_BYTES;

use billing_wiring::config::{is_http, secret};

/// Validated settings; secrets are typed so they never print.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The store, Stripe and plan settings, which billing-admin reads as well.
    pub shared: SharedSettings,
    pub bind_addr: SocketAddr,
    pub stripe_webhook_secrets: Vec<SecretString>,
    pub jwt_secret: Option<SecretString>,
    pub jwt_ttl_secs: i64,
    pub jwt_refresh_window_secs: i64,
    pub app_base_url: String,
    /// This server's public URL without a trailing slash; when set, Checkout and the portal
    /// return to its billing pages.
    pub public_url: Option<String>,
    /// The CSP `frame-ancestors` sources of the billing pages.
    pub pages_frame_ancestors: String,
    pub workers: usize,
    /// Events a worker claims, decides and commits together.
    pub batch_size: u32,
    /// Processing attempts before an event is dead-lettered.
    pub max_attempts: u32,
    /// How long after its receipt an event failing for transient causes is retried, in seconds.
    pub retry_horizon_secs: u64,
    pub webhook_tolerance_secs: i64,
    pub log_json: bool,
    /// Where notices are POSTed; a secret, since such URLs often carry a token.
    pub notify_webhook_url: Option<SecretString>,
    /// Signs notice deliveries (`Billing-Signature`) when set.
    pub notify_webhook_secret: Option<SecretString>,
    /// How long after a session's first token it may still be refreshed.
    pub jwt_max_session_secs: i64,
    /// `iss` and `aud` every API token must carry, when set.
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    /// Proxies whose `X-Forwarded-For` is believed; empty means the TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// How long a request body may take to arrive.
    pub body_read_timeout_secs: u64,
    /// The bearer token `GET /metrics` requires, when set.
    pub metrics_token: Option<SecretString>,
    /// Seconds between drift checks; 0 means none.
    pub drift_check_interval_secs: u64,
    /// Stripe reads per second a drift check makes at most.
    pub drift_check_rate: u32,
    /// Demo mode: the embedded Stripe simulator instead of Stripe (see `crate::demo`).
    pub demo: bool,
}

impl Settings {
    /// Checks the bounds of every duration-like setting, shared or the server's own, and the JWT
    /// secret's length; run by configuration and again at start-up, for settings built in code.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid variable.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::validate(self)
    }
}

/// Stripe's own retry horizon: it retries an unacknowledged webhook for three days.
const DEFAULT_RETRY_HORIZON_SECS: u64 = 3 * 24 * 3600;

/// Events a worker takes at once unless configured: enough to amortise a durable commit over
/// many events, few enough that one batch's transaction stays short.
pub const DEFAULT_BATCH_SIZE: u32 = 32;

/// Reads flags, environment and the optional file.
///
/// # Errors
/// [`ConfigError`] naming the first invalid variable.
pub fn load() -> Result<Settings, ConfigError> {
    from_args(Args::parse())
}

/// The settings from parsed flags and environment, then the file they name, then defaults.
///
/// # Errors
/// [`ConfigError`] naming the first invalid variable.
pub fn from_args(args: Args) -> Result<Settings, ConfigError> {
    let file = match &args.shared.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    resolve(args, file)
}

/// The settings with nothing configured: what `billing-server` runs with on a fresh machine.
///
/// # Errors
/// Never in practice: every default is valid; the type keeps the fail-fast path honest.
pub fn defaults() -> Result<Settings, ConfigError> {
    resolve(Args::default(), FileConfig::default())
}

/// A text setting, trimmed; blank counts as unset.
fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn positive<T: PartialOrd + Default>(var: &'static str, value: T) -> Result<T, ConfigError> {
    if value > T::default() {
        Ok(value)
    } else {
        Err(ConfigError::invalid(var, "must be greater than zero"))
    }
}

fn batch_size(value: u32) -> Result<u32, ConfigError> {
    if (1..=1000).contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::invalid("BILLING_BATCH_SIZE", "must be between 1 and 1000"))
    }
}

fn bind_addr(value: Option<String>) -> Result<SocketAddr, ConfigError> {
    let bind = value.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    bind.parse().map_err(|_| ConfigError::invalid("BIND_ADDR", "expected HOST:PORT, e.g. 127.0.0.1:8080"))
}

/// `APP_BASE_URL` when it is not set.
pub const DEFAULT_APP_BASE_URL: &str = "http://localhost:3000";

/// `APP_BASE_URL`, checked and without a trailing slash, since paths are appended to it.
fn app_base_url(value: Option<String>) -> Result<String, ConfigError> {
    let url = value.unwrap_or_else(|| DEFAULT_APP_BASE_URL.to_owned());
    if !is_http(&url) {
        return Err(ConfigError::invalid("APP_BASE_URL", "must start with http:// or https://"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// `NOTIFY_WEBHOOK_URL`, a secret; the error never repeats it, since it may carry a token.
fn notify_webhook_url(value: Option<String>) -> Result<Option<SecretString>, ConfigError> {
    let url = secret(value);
    if url.as_ref().is_some_and(|url| !is_http(url.expose_secret()) || url::Url::parse(url.expose_secret()).is_err()) {
        return Err(ConfigError::invalid("NOTIFY_WEBHOOK_URL", "must be an http:// or https:// URL"));
    }
    Ok(url)
}

/// `STRIPE_WEBHOOK_SECRET`: a comma-separated list; blank entries are skipped.
fn webhook_secrets(list: Option<String>) -> Vec<SecretString> {
    list.map(|list| list.split(',').filter_map(|s| secret(Some(s.to_owned()))).collect()).unwrap_or_default()
}

pub(crate) fn resolve(args: Args, file: FileConfig) -> Result<Settings, ConfigError> {
    let shared = billing_wiring::config::resolve(args.shared, file.shared)?;
    let settings = Settings {
        shared,
        bind_addr: bind_addr(args.bind_addr.or(file.bind_addr))?,
        stripe_webhook_secrets: webhook_secrets(args.stripe_webhook_secret.or(file.stripe_webhook_secret)),
        jwt_secret: secret(args.jwt_secret.or(file.jwt_secret)),
        jwt_ttl_secs: args.jwt_ttl_secs.or(file.jwt_ttl_secs).unwrap_or(3600),
        jwt_refresh_window_secs: args.jwt_refresh_window_secs.or(file.jwt_refresh_window_secs).unwrap_or(1800),
        app_base_url: app_base_url(args.app_base_url.or(file.app_base_url))?,
        public_url: validate::public_url(text(args.public_url.or(file.public_url)))?,
        pages_frame_ancestors: validate::frame_ancestors(text(args.pages_frame_ancestors.or(file.pages_frame_ancestors)))?,
        workers: positive("BILLING_WORKERS", args.workers.or(file.workers).unwrap_or(2))?,
        batch_size: batch_size(args.batch_size.or(file.batch_size).unwrap_or(DEFAULT_BATCH_SIZE))?,
        max_attempts: positive("BILLING_MAX_ATTEMPTS", args.max_attempts.or(file.max_attempts).unwrap_or(10))?,
        retry_horizon_secs: args.retry_horizon_secs.or(file.retry_horizon_secs).unwrap_or(DEFAULT_RETRY_HORIZON_SECS),
        webhook_tolerance_secs: args
            .webhook_tolerance_secs
            .or(file.webhook_tolerance_secs)
            .unwrap_or(billing_stripe::DEFAULT_TOLERANCE_SECS),
        log_json: args.log_format.or(file.log_format).is_some_and(|f| f.eq_ignore_ascii_case("json")),
        notify_webhook_url: notify_webhook_url(args.notify_webhook_url.or(file.notify_webhook_url))?,
        notify_webhook_secret: secret(args.notify_webhook_secret.or(file.notify_webhook_secret)),
        jwt_max_session_secs: args.jwt_max_session_secs.or(file.jwt_max_session_secs).unwrap_or(crate::auth::DEFAULT_MAX_SESSION_SECS),
        jwt_issuer: text(args.jwt_issuer.or(file.jwt_issuer)),
        jwt_audience: text(args.jwt_audience.or(file.jwt_audience)),
        trusted_proxies: validate::trusted_proxies(args.trusted_proxies.or(file.trusted_proxies).as_deref())?,
        body_read_timeout_secs: args.body_read_timeout_secs.or(file.body_read_timeout_secs).unwrap_or(5),
        metrics_token: secret(args.metrics_token.or(file.metrics_token)),
        drift_check_interval_secs: args.drift_check_interval_secs.or(file.drift_check_interval_secs).unwrap_or(6 * 3600),
        drift_check_rate: args.drift_check_rate.or(file.drift_check_rate).unwrap_or(5),
        demo: args.demo || file.demo.unwrap_or(false),
    };
    settings.validate()?;
    Ok(settings)
}

#[cfg(test)]
mod tests;
