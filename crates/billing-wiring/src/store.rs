//! Opening the configured store: Postgres for many instances, or the embedded SQLite file.

use std::sync::Arc;
use std::time::Duration;

use crate::config::DatabaseConfig;
use crate::{Ledger, Repo};

/// Opens the configured store and applies its migrations, with Postgres statements cancelled
/// after the store's default timeout.
///
/// # Errors
/// When the database cannot be reached or migrated.
pub async fn open_store(config: &DatabaseConfig) -> anyhow::Result<(Arc<Repo>, Arc<Ledger>)> {
    open_store_with(config, billing_postgres::DEFAULT_STATEMENT_TIMEOUT).await
}

/// Opens the configured store and applies its migrations; a Postgres statement running longer
/// than `statement_timeout` is cancelled, so it cannot hold a pool connection forever.
///
/// # Errors
/// When the database cannot be reached or migrated.
pub async fn open_store_with(config: &DatabaseConfig, statement_timeout: Duration) -> anyhow::Result<(Arc<Repo>, Arc<Ledger>)> {
    match config {
        DatabaseConfig::Postgres { url } => {
            let pool = billing_postgres::PostgresStore::default_pool_options();
            let store = Arc::new(billing_postgres::PostgresStore::connect_with_statement_timeout(pool, url, statement_timeout).await?);
            Ok((store.clone(), store))
        }
        DatabaseConfig::Sqlite { path } => {
            let store = Arc::new(billing_sqlite::SqliteStore::connect(&path.to_string_lossy()).await?);
            Ok((store.clone(), store))
        }
    }
}
