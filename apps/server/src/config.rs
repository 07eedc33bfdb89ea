//! Configuration: command-line flags and environment variables, then an optional TOML file, then defaults.

mod args;
mod file;
mod redact;
mod validate;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

pub use args::Args;
pub use file::FileConfig;
pub use validate::MIN_JWT_SECRET_BYTES;

/// Where billing state lives. `Debug` hides a Postgres URL's credentials, so logging it is safe.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    Postgres { url: String },
    Sqlite { path: PathBuf },
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Postgres { url } => f.debug_struct("Postgres").field("url", &redact::redacted(url)).finish(),
            Self::Sqlite { path } => f.debug_struct("Sqlite").field("path", path).finish(),
        }
    }
}

/// Validated settings; secrets are typed so they never print.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind_addr: SocketAddr,
    pub database: DatabaseConfig,
    pub stripe_secret_key: Option<SecretString>,
    pub stripe_api_base: String,
    pub stripe_webhook_secrets: Vec<SecretString>,
    pub stripe_prices: [(String, Option<String>); 3],
    pub jwt_secret: Option<SecretString>,
    pub jwt_ttl_secs: i64,
    pub jwt_refresh_window_secs: i64,
    pub app_base_url: String,
    pub plans_file: Option<PathBuf>,
    pub workers: usize,
    /// Events a worker claims, decides and commits together.
    pub batch_size: u32,
    pub grace_days: i64,
    /// Processing attempts before an event is dead-lettered.
    pub max_attempts: u32,
    /// How long after its receipt an event failing for transient causes is retried, in seconds.
    pub retry_horizon_secs: u64,
    /// How long one Postgres statement may run before it is cancelled, in seconds.
    pub database_statement_timeout_secs: u64,
    pub webhook_tolerance_secs: i64,
    pub log_json: bool,
    /// Where notices are POSTed; a secret, since such URLs often carry a token.
    pub notify_webhook_url: Option<SecretString>,
    /// Signs notice deliveries (`Billing-Signature`) when set.
    pub notify_webhook_secret: Option<SecretString>,
    /// Limit for one Stripe request attempt, in seconds.
    pub stripe_timeout_secs: u64,
    /// Retries of a failed Stripe request after the first attempt (0 disables retrying).
    pub stripe_max_retries: u32,
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
}

impl Settings {
    /// Checks the bounds of every duration-like setting and the JWT secret's length; run by
    /// configuration and again at start-up, for settings built in code.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid variable.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::validate(self)
    }
}

/// Why the configuration was refused; names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("{var} is out of range: it must be between {min} and {max}")]
    OutOfRange { var: &'static str, min: i64, max: i64 },
    #[error("cannot read the configuration file {path}: {reason}")]
    File { path: PathBuf, reason: String },
}

/// Stripe's own retry horizon: it retries an unacknowledged webhook for three days.
const DEFAULT_RETRY_HORIZON_SECS: u64 = 3 * 24 * 3600;

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { var, reason: reason.into() }
}

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
    let file = match &args.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    resolve(args, file)
}

fn secret(value: Option<String>) -> Option<SecretString> {
    value.filter(|v| !v.trim().is_empty()).map(|v| SecretString::from(v.trim().to_owned()))
}

/// A text setting, trimmed; blank counts as unset.
fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Events a worker takes at once unless configured: enough to amortise a durable commit over
/// many events, few enough that one batch's transaction stays short.
pub const DEFAULT_BATCH_SIZE: u32 = 32;

fn batch_size(value: u32) -> Result<u32, ConfigError> {
    if (1..=1000).contains(&value) {
        Ok(value)
    } else {
        Err(invalid("BILLING_BATCH_SIZE", "must be between 1 and 1000"))
    }
}

fn positive<T: PartialOrd + Default>(var: &'static str, value: T) -> Result<T, ConfigError> {
    if value > T::default() {
        Ok(value)
    } else {
        Err(invalid(var, "must be greater than zero"))
    }
}

/// The settings with nothing configured: what `billing-server` runs with on a fresh machine.
///
/// # Errors
/// Never in practice: every default is valid; the type keeps the fail-fast path honest.
pub fn defaults() -> Result<Settings, ConfigError> {
    resolve(Args::default(), FileConfig::default())
}

/// The URLs the server calls or sends users to, each checked.
struct Urls {
    app_base_url: String,
    stripe_api_base: String,
    notify_webhook_url: Option<SecretString>,
}

fn urls(args: &mut Args, file: &mut FileConfig) -> Result<Urls, ConfigError> {
    let app_base_url = args.app_base_url.take().or(file.app_base_url.take()).unwrap_or_else(|| "http://localhost:3000".to_owned());
    if !is_http(&app_base_url) {
        return Err(invalid("APP_BASE_URL", "must start with http:// or https://"));
    }
    let stripe_api_base =
        args.stripe_api_base.take().or(file.stripe_api_base.take()).unwrap_or_else(|| "https://api.stripe.com".to_owned());
    if !is_http(&stripe_api_base) {
        return Err(invalid("STRIPE_API_BASE", "must start with http:// or https://"));
    }
    let notify_webhook_url = secret(args.notify_webhook_url.take().or(file.notify_webhook_url.take()));
    if notify_webhook_url.as_ref().is_some_and(|url| !is_http(url.expose_secret()) || url::Url::parse(url.expose_secret()).is_err()) {
        return Err(invalid("NOTIFY_WEBHOOK_URL", "must be an http:// or https:// URL"));
    }
    Ok(Urls { app_base_url: app_base_url.trim_end_matches('/').to_owned(), stripe_api_base, notify_webhook_url })
}

fn bind_addr(value: Option<String>) -> Result<SocketAddr, ConfigError> {
    let bind = value.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    bind.parse().map_err(|_| invalid("BIND_ADDR", "expected HOST:PORT, e.g. 127.0.0.1:8080"))
}

/// `STRIPE_WEBHOOK_SECRET`: a comma-separated list; blank entries are skipped.
fn webhook_secrets(list: Option<String>) -> Vec<SecretString> {
    list.map(|list| list.split(',').filter_map(|s| secret(Some(s.to_owned()))).collect()).unwrap_or_default()
}

pub(crate) fn resolve(mut args: Args, mut file: FileConfig) -> Result<Settings, ConfigError> {
    let (bind_addr, database) =
        (bind_addr(args.bind_addr.take().or(file.bind_addr.take()))?, database(args.database_url.take().or(file.database_url.take()))?);
    let Urls { app_base_url, stripe_api_base, notify_webhook_url } = urls(&mut args, &mut file)?;
    let settings = Settings {
        bind_addr,
        database,
        stripe_secret_key: secret(args.stripe_secret_key.or(file.stripe_secret_key)),
        stripe_api_base,
        stripe_webhook_secrets: webhook_secrets(args.stripe_webhook_secret.or(file.stripe_webhook_secret)),
        stripe_prices: [
            ("solo".to_owned(), args.stripe_price_solo.or(file.stripe_price_solo)),
            ("team".to_owned(), args.stripe_price_team.or(file.stripe_price_team)),
            ("enterprise".to_owned(), args.stripe_price_enterprise.or(file.stripe_price_enterprise)),
        ],
        jwt_secret: secret(args.jwt_secret.or(file.jwt_secret)),
        jwt_ttl_secs: args.jwt_ttl_secs.or(file.jwt_ttl_secs).unwrap_or(3600),
        jwt_refresh_window_secs: args.jwt_refresh_window_secs.or(file.jwt_refresh_window_secs).unwrap_or(1800),
        app_base_url,
        plans_file: args.plans_file.or(file.plans_file),
        workers: positive("BILLING_WORKERS", args.workers.or(file.workers).unwrap_or(2))?,
        batch_size: batch_size(args.batch_size.or(file.batch_size).unwrap_or(DEFAULT_BATCH_SIZE))?,
        grace_days: args.grace_days.or(file.grace_days).unwrap_or(7),
        max_attempts: positive("BILLING_MAX_ATTEMPTS", args.max_attempts.or(file.max_attempts).unwrap_or(10))?,
        retry_horizon_secs: args.retry_horizon_secs.or(file.retry_horizon_secs).unwrap_or(DEFAULT_RETRY_HORIZON_SECS),
        database_statement_timeout_secs: args.database_statement_timeout_secs.or(file.database_statement_timeout_secs).unwrap_or(30),
        webhook_tolerance_secs: args
            .webhook_tolerance_secs
            .or(file.webhook_tolerance_secs)
            .unwrap_or(billing_stripe::DEFAULT_TOLERANCE_SECS),
        log_json: args.log_format.or(file.log_format).is_some_and(|f| f.eq_ignore_ascii_case("json")),
        notify_webhook_url,
        notify_webhook_secret: secret(args.notify_webhook_secret.or(file.notify_webhook_secret)),
        stripe_timeout_secs: args.stripe_timeout_secs.or(file.stripe_timeout_secs).unwrap_or(10),
        stripe_max_retries: args.stripe_max_retries.or(file.stripe_max_retries).unwrap_or(2),
        jwt_max_session_secs: args.jwt_max_session_secs.or(file.jwt_max_session_secs).unwrap_or(crate::auth::DEFAULT_MAX_SESSION_SECS),
        jwt_issuer: text(args.jwt_issuer.or(file.jwt_issuer)),
        jwt_audience: text(args.jwt_audience.or(file.jwt_audience)),
        trusted_proxies: validate::trusted_proxies(args.trusted_proxies.or(file.trusted_proxies).as_deref())?,
        body_read_timeout_secs: args.body_read_timeout_secs.or(file.body_read_timeout_secs).unwrap_or(5),
        metrics_token: secret(args.metrics_token.or(file.metrics_token)),
    };
    settings.validate()?;
    Ok(settings)
}

fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

fn database(url: Option<String>) -> Result<DatabaseConfig, ConfigError> {
    match url.filter(|u| !u.trim().is_empty()) {
        None => Ok(DatabaseConfig::Sqlite { path: PathBuf::from("data/billing.sqlite") }),
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(DatabaseConfig::Postgres { url: u }),
        Some(u) => match u.strip_prefix("sqlite://").or_else(|| u.strip_prefix("sqlite:")) {
            Some(path) if !path.is_empty() => Ok(DatabaseConfig::Sqlite { path: PathBuf::from(path) }),
            Some(_) | None => Err(invalid("DATABASE_URL", "expected postgres://…, sqlite://PATH or nothing")),
        },
    }
}

#[cfg(test)]
mod tests;
