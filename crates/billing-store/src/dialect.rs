//! What differs between the databases the store runs on, and nothing else.
//!
//! [`crate::SqlStore`] implements the ports once over any [`Dialect`]. A dialect says how its
//! database stores times, lists and `integer` columns, how a write transaction begins, the few
//! SQL fragments that differ, and supplies the statements that are genuinely different (claiming
//! events, recording a batch of events); the per-row writes of a commit have defaults a dialect
//! may replace with batched statements.

use std::collections::HashSet;

use async_trait::async_trait;
use billing_core::ids::OrgId;
use billing_core::ports::{ClaimedEvent, Commit, LedgerError, NewEvent, RepositoryError};
use chrono::{DateTime, Utc};
use sqlx::Database;

use crate::audit::AuditRow;
use crate::db::{DbQuery, Holds, QueryExt, SqlDb};
use crate::error::{repository_error, CodecError};
use crate::notice::encode_notice;
use crate::sql::{INSERT_AUDIT_ROW, INSERT_OUTBOX_ROW};
use crate::store::SqlStore;

/// A connection of dialect `D`'s database.
pub type Conn<D> = <<D as Dialect>::Db as Database>::Connection;

/// A row of dialect `D`'s database.
pub type DbRow<D> = <<D as Dialect>::Db as Database>::Row;

/// One database's way of storing the billing schema; implemented by a unit type in each store
/// crate.
#[async_trait]
pub trait Dialect: Sized + Send + Sync + 'static {
    /// The sqlx database, which must bind and read the dialect's own column types too.
    type Db: SqlDb + Holds<Self::Time> + Holds<Self::Int> + Holds<Self::TimeList> + Holds<Self::TextList>;
    /// A time as bound and read: `timestamptz` on Postgres, INTEGER microseconds on SQLite.
    type Time: Send + Sync + 'static;
    /// An `integer` column (attempts, lease expiries, the verifying secret): 32 bits on
    /// Postgres; SQLite has only its 64-bit INTEGER.
    type Int: Copy + Send + Sync + 'static + From<i32> + Into<i64>;
    /// A list of times (recent plan changes): an array, or JSON text.
    type TimeList: Send + Sync + 'static;
    /// A list of texts (ended subscriptions, remembered invoices): an array, or JSON text.
    type TextList: Send + Sync + 'static;

    /// Begins every write transaction. Postgres pins READ COMMITTED, which the re-checks and
    /// guarded writes rely on; SQLite takes the write lock up front (`BEGIN IMMEDIATE`), so no
    /// other process slips in between a check and its write.
    const BEGIN_WRITE: &'static str;
    /// Appended to the replay's read of an event's status, inside the write transaction:
    /// ` FOR UPDATE` where rows can be locked, nothing where the write lock covers them.
    const LOCK_ROW: &'static str;
    /// Appended to the outbox claim's selection: ` FOR UPDATE SKIP LOCKED` lets several
    /// notifiers drain the outbox without waiting on each other; a single writer needs nothing.
    const SKIP_LOCKED: &'static str;
    /// The outbox `notice` column read as text (Postgres stores `jsonb`).
    const NOTICE_TEXT: &'static str;
    /// Appended to a bound number of microseconds to compare it with the difference of two
    /// times: an interval on Postgres; on SQLite the difference already is microseconds.
    const MICROS_TO_INTERVAL: &'static str;

    /// A statement on this dialect's database, to bind with [`QueryExt::arg`].
    fn query(sql: &str) -> DbQuery<'_, Self::Db> {
        sqlx::query(sql)
    }

    /// `at` as this dialect binds a time, microseconds kept and finer digits dropped.
    fn time(at: DateTime<Utc>) -> Self::Time;
    /// A time as this dialect stored it.
    ///
    /// # Errors
    /// [`CodecError`] for a stored value outside chrono's range.
    fn from_time(stored: Self::Time) -> Result<DateTime<Utc>, CodecError>;
    /// `times` as this dialect stores a list of them.
    ///
    /// # Errors
    /// [`CodecError`] when the list cannot be encoded.
    fn time_list(times: &[DateTime<Utc>]) -> Result<Self::TimeList, CodecError>;
    /// A list of times as this dialect stored it.
    ///
    /// # Errors
    /// [`CodecError`] for a stored list that does not decode.
    fn from_time_list(stored: Self::TimeList) -> Result<Vec<DateTime<Utc>>, CodecError>;
    /// `texts` as this dialect stores a list of them.
    ///
    /// # Errors
    /// [`CodecError`] when the list cannot be encoded.
    fn text_list(texts: &[String]) -> Result<Self::TextList, CodecError>;
    /// A list of texts as this dialect stored it.
    ///
    /// # Errors
    /// [`CodecError`] for a stored list that does not decode.
    fn from_text_list(stored: Self::TextList) -> Result<Vec<String>, CodecError>;

    /// Leases up to `limit` (at least 1) due events to `holder` until `lease_until`, each the
    /// head of its organization's queue and no two of one organization (`sql::CLAIM_ELIGIBLE`),
    /// in any order; decode each row with [`crate::claimed_event`].
    async fn claim(
        store: &SqlStore<Self>,
        holder: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedEvent>, LedgerError>;

    /// Records `events` (at least one, distinct ids) as `sql::RECORD_EVENT` would each, with
    /// one commit, and returns the ids it stored.
    async fn record_events(store: &SqlStore<Self>, events: &[&NewEvent]) -> Result<HashSet<String>, LedgerError>;

    /// Keeps claims of `org` out until the caller's transaction ends, before an event is given
    /// `org`. Nothing to do where the single writer serialises claims.
    async fn lock_org(_conn: &mut Conn<Self>, _org: &OrgId) -> Result<(), LedgerError> {
        Ok(())
    }

    /// Writes one commit: the state under its version check, the event's final status under its
    /// lease, the audit rows and the notices, returning the new version. The default runs one
    /// statement for each part; a dialect whose round trips cost more may write it in one.
    ///
    /// # Errors
    /// As `BillingRepository::commit`; after an error the caller rolls back (to its savepoint).
    async fn write_commit(conn: &mut Conn<Self>, commit: &Commit) -> Result<u64, RepositoryError> {
        crate::commit::write_parts::<Self>(conn, commit).await
    }

    /// Writes a commit's audit rows in order, one statement each. A commit writes a handful at
    /// most, which costs nothing on a local database; a dialect whose round trips cost more
    /// writes them in one statement.
    async fn insert_audit(conn: &mut Conn<Self>, rows: &[AuditRow]) -> Result<(), RepositoryError> {
        for a in rows {
            Self::query(&INSERT_AUDIT_ROW)
                .arg(a.org_id.as_str())
                .arg(a.from_plan.as_str())
                .arg(a.from_status.as_str())
                .arg(a.to_plan.as_str())
                .arg(a.to_status.as_str())
                .arg(a.cause_kind.as_str())
                .arg(a.cause_ref.as_deref())
                .arg(a.actor_kind.as_deref())
                .arg(a.actor_id.as_deref())
                .arg(Self::time(a.at))
                .execute_on(&mut *conn)
                .await
                .map_err(repository_error)?;
        }
        Ok(())
    }

    /// Writes a commit's notices to the outbox in order, one statement each, like
    /// [`Self::insert_audit`].
    async fn insert_outbox(conn: &mut Conn<Self>, commit: &Commit) -> Result<(), RepositoryError> {
        for notice in &commit.notices {
            Self::query(INSERT_OUTBOX_ROW)
                .arg(commit.state.org_id().as_str())
                .arg(notice.kind())
                .arg(encode_notice(notice)?)
                .arg(Self::time(commit.at))
                .execute_on(&mut *conn)
                .await
                .map_err(repository_error)?;
        }
        Ok(())
    }
}
