//! Recording many events in one statement: the columns travel as parallel arrays.

use std::collections::HashSet;
use std::sync::LazyLock;

use billing_core::ids::OrgId;
use billing_core::ports::{LedgerError, NewEvent};
use billing_store::sql::RECORD_COLUMNS;
use billing_store::{ledger_error, RecordedAs};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres, Row};

/// Inserts every row `unnest` builds from the arrays, skipping ids already recorded, and
/// returns the ids it stored.
static INSERT_MANY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO webhook_events ({RECORD_COLUMNS}) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::bool[], $6::text[], $7::bytea[], \
                              $8::int4[], $9::timestamptz[], $10::text[], $11::text[], $12::timestamptz[]) \
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
    )
});

/// Inserts `events` (distinct ids), skipping ids already recorded; returns the ids it stored.
pub(crate) async fn record_events(conn: &mut PgConnection, events: &[&NewEvent]) -> Result<HashSet<String>, LedgerError> {
    let rows = insert_many(events).fetch_all(&mut *conn).await.map_err(ledger_error)?;
    rows.iter().map(|r| r.try_get::<String, _>("event_id")).collect::<Result<_, _>>().map_err(ledger_error)
}

/// The insert of `events`, whose ids must be distinct.
fn insert_many<'a>(events: &[&'a NewEvent]) -> Query<'a, Postgres, PgArguments> {
    let column = |f: fn(&'a NewEvent) -> Option<&'a str>| events.iter().map(|e| f(e)).collect::<Vec<_>>();
    let times = |f: fn(&'a NewEvent) -> DateTime<Utc>| events.iter().map(|e| f(e)).collect::<Vec<_>>();
    let stored: Vec<RecordedAs<'a>> = events.iter().map(|e| RecordedAs::of(e)).collect();
    sqlx::query(&INSERT_MANY)
        .bind(column(|e| Some(e.id.as_str())))
        .bind(column(|e| Some(e.event_type.as_str())))
        .bind(times(|e| e.created))
        .bind(column(|e| e.api_version.as_deref()))
        .bind(events.iter().map(|e| e.livemode).collect::<Vec<_>>())
        .bind(column(|e| e.org_id.as_ref().map(OrgId::as_str)))
        .bind(events.iter().map(|e| e.payload.as_slice()).collect::<Vec<_>>())
        // Secret positions are tiny list indexes; saturating keeps the column type simple.
        .bind(events.iter().map(|e| e.verified_by.map(|v| i32::try_from(v).unwrap_or(i32::MAX))).collect::<Vec<_>>())
        .bind(times(|e| e.received_at))
        .bind(stored.iter().map(|s| s.status).collect::<Vec<_>>())
        .bind(stored.iter().map(|s| s.last_error).collect::<Vec<_>>())
        .bind(stored.iter().map(|s| s.processed_at).collect::<Vec<_>>())
}
