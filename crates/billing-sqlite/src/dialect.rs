//! The SQLite dialect: INTEGER microseconds and JSON lists, `BEGIN IMMEDIATE` on the single
//! writer, and the statements only SQLite runs (the claim, multi-row batch inserts).

use std::collections::HashSet;

use async_trait::async_trait;
use billing_core::ports::{ClaimedEvent, LedgerError, NewEvent};
use billing_store::{from_micros, to_micros, CodecError, Dialect, SqlStore};
use chrono::{DateTime, Utc};

/// The SQLite side of [`billing_store::SqlStore`]. The single writer connection serialises
/// every write, so rows need no locks and organizations no advisory locks; a commit's audit
/// rows and notices use the per-row defaults.
#[derive(Debug)]
pub(crate) struct SqliteDialect;

#[async_trait]
impl Dialect for SqliteDialect {
    type Db = sqlx::Sqlite;
    type Time = i64;
    type Int = i64;
    type TimeList = String;
    type TextList = String;

    /// IMMEDIATE takes the write lock up front, so another process cannot slip in between a
    /// check (a version, a lease) and the write that depends on it.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    const LOCK_ROW: &'static str = "";
    const SKIP_LOCKED: &'static str = "";
    const NOTICE_TEXT: &'static str = "notice";
    const MICROS_TO_INTERVAL: &'static str = "";

    fn time(at: DateTime<Utc>) -> i64 {
        to_micros(at)
    }

    fn from_time(stored: i64) -> Result<DateTime<Utc>, CodecError> {
        from_micros(stored)
    }

    fn time_list(times: &[DateTime<Utc>]) -> Result<String, CodecError> {
        Ok(serde_json::to_string(&times.iter().map(|t| to_micros(*t)).collect::<Vec<_>>())?)
    }

    fn from_time_list(stored: String) -> Result<Vec<DateTime<Utc>>, CodecError> {
        serde_json::from_str::<Vec<i64>>(&stored)?.into_iter().map(from_micros).collect()
    }

    fn text_list(texts: &[String]) -> Result<String, CodecError> {
        Ok(serde_json::to_string(texts)?)
    }

    fn from_text_list(stored: String) -> Result<Vec<String>, CodecError> {
        Ok(serde_json::from_str(&stored)?)
    }

    async fn claim(
        store: &SqlStore<Self>,
        holder: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedEvent>, LedgerError> {
        crate::claim::claim(&mut *store.write_conn().await?, holder, now, lease_until, limit).await
    }

    async fn record_events(store: &SqlStore<Self>, events: &[&NewEvent]) -> Result<HashSet<String>, LedgerError> {
        crate::record::record_events(store, events).await
    }
}
