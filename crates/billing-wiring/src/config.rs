//! The settings `billing-server` and `billing-admin` share: the store, Stripe and the plan rules.
//! Each comes from a flag or environment variable, then the optional TOML file, then a default.

mod args;
mod file;
mod redact;
mod validate;
mod value;

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

pub use args::SharedArgs;
pub use file::{parse_file, read_file, SharedFileConfig};
pub use validate::{check_bounds, wide, Bound};
pub use value::{is_http, secret};

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

/// The validated shared settings; secrets are typed so they never print.
#[derive(Debug, Clone)]
pub struct SharedSettings {
    pub database: DatabaseConfig,
    /// How long one Postgres statement may run before it is cancelled, in seconds.
    pub database_statement_timeout_secs: u64,
    pub stripe_secret_key: Option<SecretString>,
    pub stripe_api_base: String,
    /// Limit for one Stripe request attempt, in seconds.
    pub stripe_timeout_secs: u64,
    /// Retries of a failed Stripe request after the first attempt (0 disables retrying).
    pub stripe_max_retries: u32,
    /// Each plan's name beside the Stripe price that sells it, when configured.
    pub stripe_prices: [(String, Option<String>); 3],
    pub plans_file: Option<PathBuf>,
    pub grace_days: i64,
}

impl SharedSettings {
    /// Checks the bounds of every duration-like setting; run by configuration and again by
    /// whoever builds on settings made in code.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid variable.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::validate(self)
    }

    /// How long a Postgres statement may run, for [`crate::open_store_with`].
    pub fn statement_timeout(&self) -> Duration {
        Duration::from_secs(self.database_statement_timeout_secs)
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

impl ConfigError {
    /// The value of `var` is refused for `reason`, which must never repeat a secret.
    pub fn invalid(var: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid { var, reason: reason.into() }
    }
}

/// The settings from parsed flags and environment, then the file they name, then defaults.
///
/// # Errors
/// [`ConfigError`] naming the first invalid variable.
pub fn from_args(args: SharedArgs) -> Result<SharedSettings, ConfigError> {
    let file = match &args.config {
        Some(path) => SharedFileConfig::read(path)?,
        None => SharedFileConfig::default(),
    };
    resolve(args, file)
}

/// The shared settings with nothing configured.
///
/// # Errors
/// Never in practice: every default is valid; the type keeps the fail-fast path honest.
pub fn defaults() -> Result<SharedSettings, ConfigError> {
    resolve(SharedArgs::default(), SharedFileConfig::default())
}

/// Each setting from `args`, else from `file`, else its default; then every bound is checked.
///
/// # Errors
/// [`ConfigError`] naming the first invalid variable.
pub fn resolve(args: SharedArgs, file: SharedFileConfig) -> Result<SharedSettings, ConfigError> {
    let database = database(args.database_url.or(file.database_url))?;
    let stripe_api_base = args.stripe_api_base.or(file.stripe_api_base).unwrap_or_else(|| "https://api.stripe.com".to_owned());
    if !is_http(&stripe_api_base) {
        return Err(ConfigError::invalid("STRIPE_API_BASE", "must start with http:// or https://"));
    }
    let settings = SharedSettings {
        database,
        database_statement_timeout_secs: args.database_statement_timeout_secs.or(file.database_statement_timeout_secs).unwrap_or(30),
        stripe_secret_key: secret(args.stripe_secret_key.or(file.stripe_secret_key)),
        stripe_api_base,
        stripe_timeout_secs: args.stripe_timeout_secs.or(file.stripe_timeout_secs).unwrap_or(10),
        stripe_max_retries: args.stripe_max_retries.or(file.stripe_max_retries).unwrap_or(2),
        stripe_prices: [
            ("solo".to_owned(), args.stripe_price_solo.or(file.stripe_price_solo)),
            ("team".to_owned(), args.stripe_price_team.or(file.stripe_price_team)),
            ("enterprise".to_owned(), args.stripe_price_enterprise.or(file.stripe_price_enterprise)),
        ],
        plans_file: args.plans_file.or(file.plans_file),
        grace_days: args.grace_days.or(file.grace_days).unwrap_or(7),
    };
    settings.validate()?;
    Ok(settings)
}

fn database(url: Option<String>) -> Result<DatabaseConfig, ConfigError> {
    match url.filter(|u| !u.trim().is_empty()) {
        None => Ok(DatabaseConfig::Sqlite { path: PathBuf::from("data/billing.sqlite") }),
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(DatabaseConfig::Postgres { url: u }),
        Some(u) => match u.strip_prefix("sqlite://").or_else(|| u.strip_prefix("sqlite:")) {
            Some(path) if !path.is_empty() => Ok(DatabaseConfig::Sqlite { path: PathBuf::from(path) }),
            Some(_) | None => Err(ConfigError::invalid("DATABASE_URL", "expected postgres://…, sqlite://PATH or nothing")),
        },
    }
}

#[cfg(test)]
mod tests;
