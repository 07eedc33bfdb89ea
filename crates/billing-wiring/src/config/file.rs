//! The shared settings' keys of the optional TOML configuration file, and reading such a file.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::ConfigError;

/// The shared settings read from the file; anything unset here falls back to defaults. One file
/// configures both binaries, so keys this section does not know are skipped: they are the
/// server's own, and `billing-server`, which embeds this section with `#[serde(flatten)]`,
/// refuses the keys neither part knows.
#[derive(Default, Deserialize)]
pub struct SharedFileConfig {
    pub database_url: Option<String>,
    pub database_statement_timeout_secs: Option<u64>,
    pub stripe_secret_key: Option<String>,
    pub stripe_api_base: Option<String>,
    pub stripe_timeout_secs: Option<u64>,
    pub stripe_max_retries: Option<u32>,
    pub stripe_price_solo: Option<String>,
    pub stripe_price_team: Option<String>,
    pub stripe_price_enterprise: Option<String>,
    pub plans_file: Option<PathBuf>,
    pub grace_days: Option<i64>,
}

impl std::fmt::Debug for SharedFileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The file may hold secrets, so only say that one was read.
        f.write_str("SharedFileConfig { .. }")
    }
}

impl SharedFileConfig {
    /// Reads and parses the file.
    ///
    /// # Errors
    /// [`ConfigError::File`] naming the path; the message never repeats the file's content.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        read_file(path)
    }
}

/// Reads and parses a configuration file into `T`.
///
/// # Errors
/// [`ConfigError::File`] naming the path; the message never repeats the file's content.
pub fn read_file<T: DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File { path: path.to_owned(), reason: e.kind().to_string() })?;
    parse_file(&text).map_err(|reason| ConfigError::File { path: path.to_owned(), reason })
}

/// Parses a configuration file's text into `T`.
///
/// # Errors
/// The parser's message alone: it names the key and the problem, never the value.
pub fn parse_file<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| e.message().to_owned())
}
