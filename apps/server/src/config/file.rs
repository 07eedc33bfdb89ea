//! The optional TOML configuration file; every key mirrors a flag, in lowercase.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ConfigError;

/// Settings read from a file; anything unset here falls back to defaults.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind_addr: Option<String>,
    pub database_url: Option<String>,
    pub stripe_secret_key: Option<String>,
    pub stripe_api_base: Option<String>,
    pub stripe_webhook_secret: Option<String>,
    pub stripe_price_solo: Option<String>,
    pub stripe_price_team: Option<String>,
    pub stripe_price_enterprise: Option<String>,
    pub jwt_secret: Option<String>,
    pub jwt_ttl_secs: Option<i64>,
    pub jwt_refresh_window_secs: Option<i64>,
    pub jwt_max_session_secs: Option<i64>,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    pub app_base_url: Option<String>,
    pub plans_file: Option<PathBuf>,
    pub workers: Option<usize>,
    pub batch_size: Option<u32>,
    pub grace_days: Option<i64>,
    pub max_attempts: Option<u32>,
    pub retry_horizon_secs: Option<u64>,
    pub database_statement_timeout_secs: Option<u64>,
    pub webhook_tolerance_secs: Option<i64>,
    pub log_format: Option<String>,
    pub notify_webhook_url: Option<String>,
    pub notify_webhook_secret: Option<String>,
    pub stripe_timeout_secs: Option<u64>,
    pub stripe_max_retries: Option<u32>,
    pub trusted_proxies: Option<String>,
    pub body_read_timeout_secs: Option<u64>,
    pub metrics_token: Option<String>,
}

impl std::fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The file may hold secrets, so only say that one was read.
        f.write_str("FileConfig { .. }")
    }
}

impl FileConfig {
    /// Reads and parses the file.
    ///
    /// # Errors
    /// [`ConfigError::File`] naming the path; the message never repeats the file's content.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File { path: path.to_owned(), reason: e.kind().to_string() })?;
        Self::parse(&text).map_err(|reason| ConfigError::File { path: path.to_owned(), reason })
    }

    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().to_owned())
    }
}
