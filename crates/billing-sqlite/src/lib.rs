//! The embedded SQLite billing store, the default when no database URL is configured.
//!
//! It offers the same observable guarantees as the Postgres store within one process. All
//! writes go through a pool of exactly one connection, so they are serialised: claiming, the
//! version check and the lease checks can never interleave. Reads use a separate read-only
//! pool; WAL mode lets them run while a write is in progress, and the busy timeout covers a
//! second process opening the same file. The writer syncs every commit to disk
//! (`synchronous=FULL`): a webhook is acknowledged once its event is committed, so the commit
//! must survive an operating-system crash or a power loss, which WAL's `NORMAL` does not promise.

mod claim;
mod dialect;
mod record;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use billing_store::SqlStore;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::dialect::SqliteDialect;

/// The schema migrations shipped with this crate.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read connections; WAL readers do not block the writer or each other.
const READERS: u32 = 4;

/// Why the store could not start.
#[derive(Debug, thiserror::Error)]
pub enum SqliteStoreError {
    #[error("`{0}` is not a SQLite file path or URL")]
    BadLocation(String),
    #[error("cannot create the directory `{}`", .0.display())]
    CreateDir(PathBuf, #[source] std::io::Error),
    #[error("cannot open the SQLite database")]
    Open(#[source] sqlx::Error),
    #[error("cannot apply the billing migrations")]
    Migrate(#[from] MigrateError),
}

/// Billing state and webhook ledger in one SQLite file.
///
/// The ports are [`billing_store::SqlStore`]'s on the SQLite dialect: writes go through a pool
/// of one connection, reads through a read-only pool beside it.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    store: SqlStore<SqliteDialect>,
}

billing_store::forward_ports!(SqliteStore => store);

/// Options for `location`: a `sqlite:` URL or a plain file path.
fn options_for(location: &str) -> Result<SqliteConnectOptions, SqliteStoreError> {
    if location.contains(":memory:") || location.contains("mode=memory") {
        // Each connection would get its own empty database, so writer and readers would disagree.
        return Err(SqliteStoreError::BadLocation(location.to_owned()));
    }
    if location.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(location).map_err(|_| SqliteStoreError::BadLocation(location.to_owned()))
    } else {
        Ok(SqliteConnectOptions::new().filename(location))
    }
}

impl SqliteStore {
    /// Opens (creating the file and its directory if needed) and migrates the database at
    /// `location`, a file path or a `sqlite:` URL.
    ///
    /// # Errors
    /// [`SqliteStoreError`] when the location is unusable, the file cannot be opened or a
    /// migration fails.
    pub async fn connect(location: &str) -> Result<Self, SqliteStoreError> {
        let base = options_for(location)?;
        let options = base
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        create_parent(base.get_filename())?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(SqliteStoreError::Open)?;
        MIGRATOR.run(&writer).await?;
        // Readers open after the writer has created the file and switched it to WAL.
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(base.read_only(true).busy_timeout(BUSY_TIMEOUT))
            .await
            .map_err(SqliteStoreError::Open)?;
        Ok(Self { store: SqlStore::new(writer, reader) })
    }

    /// Closes both pools, checkpointing the WAL.
    pub async fn close(&self) {
        self.store.reader().close().await;
        self.store.writer().close().await;
    }
}

fn create_parent(file: &Path) -> Result<(), SqliteStoreError> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|e| SqliteStoreError::CreateDir(dir.to_owned(), e))
        }
        Some(_) | None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_writer_syncs_every_commit_so_an_acknowledged_event_survives_a_power_loss() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::connect(dir.path().join("billing.db").to_str().unwrap()).await.unwrap();
        let level: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(store.store.writer()).await.unwrap();
        // 2 is FULL; NORMAL (1) lets a power loss roll back commits WAL mode has not checkpointed.
        assert_eq!(level, 2);
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.store.writer()).await.unwrap();
        assert_eq!(mode, "wal");
    }
}
