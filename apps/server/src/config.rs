//! Configuration: command-line flags and environment variables, then an optional TOML file, then defaults.

mod file;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use secrecy::{ExposeSecret, SecretString};

pub use file::FileConfig;

/// Where billing state lives. `Debug` hides a Postgres password, so logging it is safe.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    Postgres { url: String },
    Sqlite { path: PathBuf },
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Postgres { url } => f.debug_struct("Postgres").field("url", &redacted(url)).finish(),
            Self::Sqlite { path } => f.debug_struct("Sqlite").field("path", path).finish(),
        }
    }
}

/// The URL without its password; an unparseable URL is hidden whole, since it may hold one.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
                return "<unparseable>".to_owned();
            }
            parsed.to_string()
        }
        Err(_) => "<unparseable>".to_owned(),
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
    pub grace_days: i64,
    /// Processing attempts before an event is dead-lettered.
    pub max_attempts: u32,
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
}

/// Why the configuration was refused; names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("cannot read the configuration file {path}: {reason}")]
    File { path: PathBuf, reason: String },
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { var, reason: reason.into() }
}

/// Every setting, as a flag or an environment variable. Unset values fall back to the file, then
/// defaults. Other binaries embed these with `#[command(flatten)]` so they read the same settings.
#[derive(Parser, Default)]
#[command(name = "billing-server", about = "Subscription billing for plans sold through Stripe", version)]
pub struct Args {
    /// TOML file with the same settings (lowercase keys, e.g. `bind_addr`).
    #[arg(long, env = "BILLING_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "BIND_ADDR")]
    bind_addr: Option<String>,
    /// `postgres://…` for Postgres; `sqlite://PATH` or unset for the embedded store in ./data/.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Stripe secret key (sk_…); without it, operations that need Stripe answer 503.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    stripe_secret_key: Option<String>,
    /// Stripe API base URL [default: https://api.stripe.com].
    #[arg(long, env = "STRIPE_API_BASE")]
    stripe_api_base: Option<String>,
    /// Webhook signing secrets, comma-separated; all are accepted (rotation).
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    stripe_webhook_secret: Option<String>,
    /// Stripe price of the Solo plan.
    #[arg(long, env = "STRIPE_PRICE_SOLO")]
    stripe_price_solo: Option<String>,
    /// Stripe price of the Team plan.
    #[arg(long, env = "STRIPE_PRICE_TEAM")]
    stripe_price_team: Option<String>,
    /// Stripe price of the Enterprise plan.
    #[arg(long, env = "STRIPE_PRICE_ENTERPRISE")]
    stripe_price_enterprise: Option<String>,
    /// HS256 secret for API tokens; without it, API requests answer 503.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Lifetime of refreshed tokens in seconds [default: 3600].
    #[arg(long, env = "JWT_TTL_SECS")]
    jwt_ttl_secs: Option<i64>,
    /// How long after expiry a token may still be refreshed, in seconds [default: 1800].
    #[arg(long, env = "JWT_REFRESH_WINDOW_SECS")]
    jwt_refresh_window_secs: Option<i64>,
    /// Your app's URL, for Checkout and portal return URLs [default: http://localhost:3000].
    #[arg(long, env = "APP_BASE_URL")]
    app_base_url: Option<String>,
    /// Plan catalog override (TOML or JSON).
    #[arg(long, env = "BILLING_PLANS_FILE")]
    plans_file: Option<PathBuf>,
    /// Webhook workers per instance [default: 2].
    #[arg(long, env = "BILLING_WORKERS")]
    workers: Option<usize>,
    /// Days of paid features after a failed payment [default: 7].
    #[arg(long, env = "BILLING_GRACE_DAYS")]
    grace_days: Option<i64>,
    /// Processing attempts before an event goes to the dead letter [default: 10].
    #[arg(long, env = "BILLING_MAX_ATTEMPTS")]
    max_attempts: Option<u32>,
    /// Accepted age of a webhook signature in seconds [default: 300].
    #[arg(long, env = "WEBHOOK_TOLERANCE_SECS")]
    webhook_tolerance_secs: Option<i64>,
    /// `json` for JSON logs, anything else for text.
    #[arg(long, env = "LOG_FORMAT")]
    log_format: Option<String>,
    /// URL that receives every notice as a JSON POST; without it, notices are only logged.
    #[arg(long, env = "NOTIFY_WEBHOOK_URL", hide_env_values = true)]
    notify_webhook_url: Option<String>,
    /// Secret that signs notice deliveries (`Billing-Signature`, Stripe's scheme).
    #[arg(long, env = "NOTIFY_WEBHOOK_SECRET", hide_env_values = true)]
    notify_webhook_secret: Option<String>,
    /// Seconds one Stripe request may take before it counts as timed out [default: 10].
    #[arg(long, env = "STRIPE_TIMEOUT_SECS")]
    stripe_timeout_secs: Option<u64>,
    /// Retries of a failed Stripe request after the first attempt [default: 2].
    #[arg(long, env = "STRIPE_MAX_RETRIES")]
    stripe_max_retries: Option<u32>,
}

// Written by hand: the flags hold secrets as plain strings until they are validated.
impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args").field("config", &self.config).finish_non_exhaustive()
    }
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

pub(crate) fn resolve(args: Args, file: FileConfig) -> Result<Settings, ConfigError> {
    let bind = args.bind_addr.or(file.bind_addr).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let bind_addr = bind.parse().map_err(|_| invalid("BIND_ADDR", "expected HOST:PORT, e.g. 127.0.0.1:8080"))?;
    let database = database(args.database_url.or(file.database_url))?;
    let webhook_secrets: Vec<SecretString> = args
        .stripe_webhook_secret
        .or(file.stripe_webhook_secret)
        .map(|list| list.split(',').filter_map(|s| secret(Some(s.to_owned()))).collect())
        .unwrap_or_default();
    let app_base_url = args.app_base_url.or(file.app_base_url).unwrap_or_else(|| "http://localhost:3000".to_owned());
    if !is_http(&app_base_url) {
        return Err(invalid("APP_BASE_URL", "must start with http:// or https://"));
    }
    let stripe_api_base = args.stripe_api_base.or(file.stripe_api_base).unwrap_or_else(|| "https://api.stripe.com".to_owned());
    if !is_http(&stripe_api_base) {
        return Err(invalid("STRIPE_API_BASE", "must start with http:// or https://"));
    }
    let notify_webhook_url = secret(args.notify_webhook_url.or(file.notify_webhook_url));
    if notify_webhook_url.as_ref().is_some_and(|url| !is_http(url.expose_secret()) || url::Url::parse(url.expose_secret()).is_err()) {
        return Err(invalid("NOTIFY_WEBHOOK_URL", "must be an http:// or https:// URL"));
    }
    Ok(Settings {
        bind_addr,
        database,
        stripe_secret_key: secret(args.stripe_secret_key.or(file.stripe_secret_key)),
        stripe_api_base,
        stripe_webhook_secrets: webhook_secrets,
        stripe_prices: [
            ("solo".to_owned(), args.stripe_price_solo.or(file.stripe_price_solo)),
            ("team".to_owned(), args.stripe_price_team.or(file.stripe_price_team)),
            ("enterprise".to_owned(), args.stripe_price_enterprise.or(file.stripe_price_enterprise)),
        ],
        jwt_secret: secret(args.jwt_secret.or(file.jwt_secret)),
        jwt_ttl_secs: positive("JWT_TTL_SECS", args.jwt_ttl_secs.or(file.jwt_ttl_secs).unwrap_or(3600))?,
        jwt_refresh_window_secs: positive(
            "JWT_REFRESH_WINDOW_SECS",
            args.jwt_refresh_window_secs.or(file.jwt_refresh_window_secs).unwrap_or(1800),
        )?,
        app_base_url: app_base_url.trim_end_matches('/').to_owned(),
        plans_file: args.plans_file.or(file.plans_file),
        workers: positive("BILLING_WORKERS", args.workers.or(file.workers).unwrap_or(2))?,
        grace_days: positive("BILLING_GRACE_DAYS", args.grace_days.or(file.grace_days).unwrap_or(7))?,
        max_attempts: positive("BILLING_MAX_ATTEMPTS", args.max_attempts.or(file.max_attempts).unwrap_or(10))?,
        webhook_tolerance_secs: positive(
            "WEBHOOK_TOLERANCE_SECS",
            args.webhook_tolerance_secs.or(file.webhook_tolerance_secs).unwrap_or(billing_stripe::DEFAULT_TOLERANCE_SECS),
        )?,
        log_json: args.log_format.or(file.log_format).is_some_and(|f| f.eq_ignore_ascii_case("json")),
        notify_webhook_url,
        notify_webhook_secret: secret(args.notify_webhook_secret.or(file.notify_webhook_secret)),
        stripe_timeout_secs: positive("STRIPE_TIMEOUT_SECS", args.stripe_timeout_secs.or(file.stripe_timeout_secs).unwrap_or(10))?,
        stripe_max_retries: args.stripe_max_retries.or(file.stripe_max_retries).unwrap_or(2),
    })
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
