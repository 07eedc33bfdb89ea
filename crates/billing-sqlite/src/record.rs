//! Recording many events in multi-row inserts, in one transaction on the single writer.

use std::collections::HashSet;

use billing_core::ids::OrgId;
use billing_core::ports::{LedgerError, NewEvent};
use billing_store::sql::RECORD_COLUMNS;
use billing_store::{ledger_error, settle, to_micros, RecordedAs, SqlStore};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::dialect::SqliteDialect;

/// Rows per statement: twelve parameters each stays far below SQLite's limit of 32 766.
const ROWS_PER_STATEMENT: usize = 500;

/// Records `events` (distinct ids) in one write transaction, so the batch costs one fsync
/// however many statements it takes; returns the ids it stored.
pub(crate) async fn record_events(store: &SqlStore<SqliteDialect>, events: &[&NewEvent]) -> Result<HashSet<String>, LedgerError> {
    let mut tx = store.begin_write().await?;
    let result = insert_many(&mut tx, events).await;
    settle(tx, result, ledger_error).await
}

/// Inserts `events` (distinct ids), skipping ids already recorded; returns the ids it stored.
async fn insert_many(conn: &mut SqliteConnection, events: &[&NewEvent]) -> Result<HashSet<String>, LedgerError> {
    let mut stored = HashSet::with_capacity(events.len());
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Sqlite>::new(format!("INSERT INTO webhook_events ({RECORD_COLUMNS}) "));
        q.push_values(chunk, |mut row, e| {
            let recorded = RecordedAs::of(e);
            row.push_bind(e.id.as_str())
                .push_bind(e.event_type.as_str())
                .push_bind(to_micros(e.created))
                .push_bind(e.api_version.as_deref())
                .push_bind(e.livemode)
                .push_bind(e.org_id.as_ref().map(OrgId::as_str))
                .push_bind(e.payload.as_slice())
                .push_bind(e.verified_by.map(i64::from))
                .push_bind(to_micros(e.received_at))
                .push_bind(recorded.status)
                .push_bind(recorded.last_error)
                .push_bind(recorded.processed_at.map(to_micros));
        });
        q.push(" ON CONFLICT (event_id) DO NOTHING RETURNING event_id");
        for row in q.build().fetch_all(&mut *conn).await.map_err(ledger_error)? {
            stored.insert(row.try_get::<String, _>("event_id").map_err(ledger_error)?);
        }
    }
    Ok(stored)
}
