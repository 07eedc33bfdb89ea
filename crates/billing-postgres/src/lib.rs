//! The Postgres billing store: the repository and webhook-ledger ports for production.
//!
//! Many server instances share one database, so every guarantee is enforced by Postgres itself:
//! the unique event id records each event once, row locks with `SKIP LOCKED` plus
//! per-organization advisory locks keep claims exclusive, and one transaction with an optimistic
//! `version` check writes each decision.

mod claim;
mod commit;
mod dialect;
mod record;

use std::str::FromStr;
use std::time::Duration;

use billing_store::SqlStore;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::dialect::PostgresDialect;

/// The schema migrations shipped with this crate.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Connections a pool opens by default; enough for the HTTP handlers and a few workers.
const DEFAULT_MAX_CONNECTIONS: u32 = 16;

/// How long one statement may run before Postgres cancels it, unless the caller says otherwise.
/// Without a limit a statement stuck behind a lock, or a runaway plan, holds its pool connection
/// forever, and enough of them starve every request; no statement of this store needs more than
/// a fraction of a second on a healthy database.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the store could not start.
#[derive(Debug, thiserror::Error)]
pub enum PostgresStoreError {
    #[error("cannot connect to Postgres")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply the billing migrations")]
    Migrate(#[from] MigrateError),
}

/// Billing state and webhook ledger in Postgres; cheap to clone (it shares the pool).
///
/// The ports are [`billing_store::SqlStore`]'s on the Postgres dialect, reads and writes
/// sharing the one pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    store: SqlStore<PostgresDialect>,
}

billing_store::forward_ports!(PostgresStore => store);

impl PostgresStore {
    /// Connects with [`Self::default_pool_options`] and the default statement timeout, and
    /// applies pending migrations.
    ///
    /// # Errors
    /// [`PostgresStoreError`] when the server is unreachable or a migration fails.
    pub async fn connect(url: &str) -> Result<Self, PostgresStoreError> {
        Self::connect_with(Self::default_pool_options(), url).await
    }

    /// A pool of 16 connections, waiting at most 10 s for one.
    pub fn default_pool_options() -> PgPoolOptions {
        PgPoolOptions::new().max_connections(DEFAULT_MAX_CONNECTIONS).acquire_timeout(Duration::from_secs(10))
    }

    /// Connects with the given pool options and the default statement timeout, and applies
    /// pending migrations.
    ///
    /// # Errors
    /// [`PostgresStoreError`] when the server is unreachable or a migration fails.
    pub async fn connect_with(options: PgPoolOptions, url: &str) -> Result<Self, PostgresStoreError> {
        Self::connect_with_statement_timeout(options, url, DEFAULT_STATEMENT_TIMEOUT).await
    }

    /// Connects with the given pool options, every connection cancelling a statement that runs
    /// longer than `statement_timeout` (whole milliseconds; it overrides one the URL sets), and
    /// applies pending migrations.
    ///
    /// # Errors
    /// [`PostgresStoreError`] when the URL is invalid, the server is unreachable or a migration
    /// fails.
    pub async fn connect_with_statement_timeout(
        options: PgPoolOptions,
        url: &str,
        statement_timeout: Duration,
    ) -> Result<Self, PostgresStoreError> {
        let millis = statement_timeout.as_millis().max(1);
        // A startup option rather than a `SET` after connecting, so it holds from the first
        // statement of every connection the pool opens, reconnections included.
        let connect = PgConnectOptions::from_str(url).map_err(PostgresStoreError::Connect)?.options([("statement_timeout", millis)]);
        let pool = options.connect_with(connect).await.map_err(PostgresStoreError::Connect)?;
        let store = Self::from_pool(pool);
        store.migrate().await?;
        Ok(store)
    }

    /// Wraps an existing pool without touching the schema; call [`Self::migrate`] once.
    pub fn from_pool(pool: PgPool) -> Self {
        Self { store: SqlStore::shared(pool) }
    }

    /// Applies pending migrations. Safe to run from many instances at once: sqlx serialises
    /// migrators with an advisory lock.
    ///
    /// # Errors
    /// [`MigrateError`] when a migration fails or the applied ones were changed.
    pub async fn migrate(&self) -> Result<(), MigrateError> {
        let mut conn = self.pool().acquire().await.map_err(MigrateError::Execute)?;
        // A migration may rightly outlast any query (an index over a large table), and waits for
        // other instances' migrations behind sqlx's lock, so the statement timeout is lifted for
        // it. The connection is then closed rather than returned to the pool without a timeout.
        conn.close_on_drop();
        sqlx::query("SET statement_timeout = 0").execute(&mut *conn).await.map_err(MigrateError::Execute)?;
        MIGRATOR.run(&mut *conn).await
    }

    /// The underlying pool, for queries beyond the ports, such as the store's own tests of the
    /// schema's triggers.
    pub fn pool(&self) -> &PgPool {
        self.store.writer()
    }
}
