//! The Postgres dialect: `timestamptz` and arrays, READ COMMITTED write transactions, row locks,
//! and the statements only Postgres runs (the claim, batch inserts through arrays).

use std::collections::HashSet;

use async_trait::async_trait;
use billing_core::ids::OrgId;
use billing_core::ports::{ClaimedEvent, Commit, LedgerError, NewEvent, RepositoryError};
use billing_store::{CodecError, Dialect, SqlStore};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// The Postgres side of [`billing_store::SqlStore`].
#[derive(Debug)]
pub(crate) struct PostgresDialect;

#[async_trait]
impl Dialect for PostgresDialect {
    type Db = sqlx::Postgres;
    type Time = DateTime<Utc>;
    type Int = i32;
    type TimeList = Vec<DateTime<Utc>>;
    type TextList = Vec<String>;

    /// The claim and assignment re-checks, and the version and lease checks of a commit, rely
    /// on READ COMMITTED semantics (each statement sees what committed before it began); a
    /// database or role defaulting to a stricter level must not change them.
    const BEGIN_WRITE: &'static str = "BEGIN ISOLATION LEVEL READ COMMITTED";
    const LOCK_ROW: &'static str = " FOR UPDATE";
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const NOTICE_TEXT: &'static str = "notice::text";
    const MICROS_TO_INTERVAL: &'static str = " * interval '1 microsecond'";

    fn time(at: DateTime<Utc>) -> DateTime<Utc> {
        at
    }

    fn from_time(stored: DateTime<Utc>) -> Result<DateTime<Utc>, CodecError> {
        Ok(stored)
    }

    fn time_list(times: &[DateTime<Utc>]) -> Result<Vec<DateTime<Utc>>, CodecError> {
        Ok(times.to_vec())
    }

    fn from_time_list(stored: Vec<DateTime<Utc>>) -> Result<Vec<DateTime<Utc>>, CodecError> {
        Ok(stored)
    }

    fn text_list(texts: &[String]) -> Result<Vec<String>, CodecError> {
        Ok(texts.to_vec())
    }

    fn from_text_list(stored: Vec<String>) -> Result<Vec<String>, CodecError> {
        Ok(stored)
    }

    async fn claim(
        store: &SqlStore<Self>,
        holder: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedEvent>, LedgerError> {
        crate::claim::claim(store.writer(), holder, now, lease_until, limit).await
    }

    async fn record_events(store: &SqlStore<Self>, events: &[&NewEvent]) -> Result<HashSet<String>, LedgerError> {
        crate::record::record_events(&mut *store.write_conn().await?, events).await
    }

    async fn lock_org(conn: &mut PgConnection, org: &OrgId) -> Result<(), LedgerError> {
        crate::claim::lock_org(conn, org).await
    }

    async fn write_commit(conn: &mut PgConnection, commit: &Commit) -> Result<u64, RepositoryError> {
        crate::commit::write_commit(conn, commit).await
    }
}
