//! The optional TOML configuration file; every key mirrors a flag, in lowercase.

use std::path::Path;

use billing_wiring::config::{read_file, SharedFileConfig};
use serde::Deserialize;

use super::ConfigError;

/// Settings read from a file; anything unset here falls back to defaults. The shared keys are
/// billing-wiring's section, flattened in, so the file keeps one flat list of keys; a key neither
/// part knows is refused, so a typo cannot silently leave a setting at its default.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(flatten)]
    pub shared: SharedFileConfig,
    pub bind_addr: Option<String>,
    pub stripe_webhook_secret: Option<String>,
    pub jwt_secret: Option<String>,
    pub jwt_ttl_secs: Option<i64>,
    pub jwt_refresh_window_secs: Option<i64>,
    pub jwt_max_session_secs: Option<i64>,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    pub app_base_url: Option<String>,
    pub public_url: Option<String>,
    pub pages_frame_ancestors: Option<String>,
    pub workers: Option<usize>,
    pub batch_size: Option<u32>,
    pub max_attempts: Option<u32>,
    pub retry_horizon_secs: Option<u64>,
    pub webhook_tolerance_secs: Option<i64>,
    pub log_format: Option<String>,
    pub notify_webhook_url: Option<String>,
    pub notify_webhook_secret: Option<String>,
    pub trusted_proxies: Option<String>,
    pub body_read_timeout_secs: Option<u64>,
    pub metrics_token: Option<String>,
    pub drift_check_interval_secs: Option<u64>,
    pub drift_check_rate: Option<u32>,
    pub demo: Option<bool>,
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
        read_file(path)
    }

    /// Parses a file's text; tests use it to skip the file system.
    #[cfg(test)]
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        billing_wiring::config::parse_file(text)
    }
}
