//! Reading the server's webhook ledger from beside it: how many events still wait (received,
//! in flight or failed and due again) and how the finished ones ended.

use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

/// Events not yet applied for good.
const BACKLOG: &str = "SELECT count(*) FROM webhook_events WHERE status IN ('received', 'processing', 'failed')";
/// Every event's final (or current) status.
const STATUSES: &str = "SELECT status, count(*) FROM webhook_events GROUP BY status ORDER BY status";

/// How often the backlog is counted while it drains.
const POLL: Duration = Duration::from_millis(50);

/// A connection to the database the server uses.
#[derive(Debug)]
pub enum Ledger {
    Postgres(PgPool),
    /// Read-only: the embedded store allows one writer, the server.
    Sqlite(SqlitePool),
}

impl Ledger {
    /// Connects to the server's database once the server has created its tables.
    ///
    /// # Errors
    /// When the database cannot be opened.
    pub async fn connect(database_url: &str) -> anyhow::Result<Self> {
        if let Some(path) = database_url.strip_prefix("sqlite://") {
            let options = SqliteConnectOptions::new().filename(path).read_only(true);
            let pool =
                SqlitePoolOptions::new().max_connections(1).connect_with(options).await.with_context(|| format!("cannot open {path}"))?;
            return Ok(Self::Sqlite(pool));
        }
        let pool =
            PgPoolOptions::new().max_connections(1).connect(database_url).await.context("cannot connect to the server's database")?;
        Ok(Self::Postgres(pool))
    }

    /// Events received, in flight or failed and waiting for a retry.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn backlog(&self) -> anyhow::Result<i64> {
        let count = match self {
            Self::Postgres(pool) => sqlx::query_scalar(BACKLOG).fetch_one(pool).await,
            Self::Sqlite(pool) => sqlx::query_scalar(BACKLOG).fetch_one(pool).await,
        };
        count.context("cannot count the ledger's backlog")
    }

    /// `(status, events)` for every status present.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn statuses(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = match self {
            Self::Postgres(pool) => sqlx::query_as(STATUSES).fetch_all(pool).await,
            Self::Sqlite(pool) => sqlx::query_as(STATUSES).fetch_all(pool).await,
        };
        rows.context("cannot count the ledger's statuses")
    }

    /// Waits until the backlog is empty or `limit` has passed; returns when the backlog was
    /// last counted and what it was then.
    ///
    /// # Errors
    /// When the backlog cannot be counted.
    pub async fn drain(&self, limit: Duration) -> anyhow::Result<(Instant, i64)> {
        let started = Instant::now();
        loop {
            // The count reflects the ledger as the query began, so that is the time it reports.
            let at = Instant::now();
            let open = self.backlog().await?;
            if open == 0 || at.duration_since(started) >= limit {
                return Ok((at, open));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn close(self) {
        match self {
            Self::Postgres(pool) => pool.close().await,
            Self::Sqlite(pool) => pool.close().await,
        }
    }
}
