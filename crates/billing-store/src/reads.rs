//! Monitoring and lookup reads whose SQL and decoding are the same in both dialects.

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{LedgerError, RepositoryError};
use sqlx::{ColumnIndex, Database, Decode, Executor, IntoArguments, Row, Type};

use crate::error::{ledger_error, repository_error, CodecError};
use crate::inspect::RowCounts;
use crate::sql::ROW_COUNTS;

/// The organization id in column `org_id` of a row.
///
/// # Errors
/// The database error, or [`CodecError`] for a stored id that is no longer valid.
pub fn org_of<R>(row: &R) -> Result<OrgId, RepositoryError>
where
    R: Row,
    for<'n> &'n str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let raw: String = row.try_get("org_id").map_err(repository_error)?;
    OrgId::parse(raw.clone()).map_err(|_| CodecError::bad("org_id", raw).into())
}

/// The single count `n` that `sql` selects, as an unsigned number.
///
/// # Errors
/// The database error.
pub async fn count_in<DB>(conn: &mut DB::Connection, sql: &str) -> Result<u64, sqlx::Error>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> i64: Decode<'r, DB> + Type<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    let n: i64 = sqlx::query::<DB>(sql).fetch_one(&mut *conn).await?.try_get("n")?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The event ids in column `event_id` of every row `sql` selects.
///
/// # Errors
/// The database error, or [`CodecError`] for an invalid stored id.
pub async fn event_ids_in<DB>(conn: &mut DB::Connection, sql: &str) -> Result<Vec<StripeEventId>, LedgerError>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    let rows = sqlx::query::<DB>(sql).fetch_all(&mut *conn).await.map_err(ledger_error)?;
    rows.iter()
        .map(|r| {
            let raw: String = r.try_get("event_id").map_err(ledger_error)?;
            StripeEventId::parse(raw.clone()).map_err(|_| CodecError::bad("event_id", raw).into())
        })
        .collect()
}

/// The size of every table ([`ROW_COUNTS`]).
///
/// # Errors
/// The database error.
pub async fn row_counts_in<DB>(conn: &mut DB::Connection) -> Result<RowCounts, LedgerError>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> i64: Decode<'r, DB> + Type<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    let r = sqlx::query::<DB>(ROW_COUNTS).fetch_one(&mut *conn).await.map_err(ledger_error)?;
    let count = |column: &str| r.try_get::<i64, _>(column).map(|n| u64::try_from(n).unwrap_or(0)).map_err(ledger_error);
    Ok(RowCounts {
        organizations: count("organizations")?,
        webhook_events: count("webhook_events")?,
        transitions: count("transitions")?,
        outbox: count("outbox")?,
        event_audit: count("event_audit")?,
    })
}

/// The organization that `sql` finds by `key` (`$1`), if any.
///
/// # Errors
/// The database error, or [`CodecError`] for an invalid stored id.
pub async fn org_by_key_in<DB>(conn: &mut DB::Connection, sql: &str, key: &str) -> Result<Option<OrgId>, RepositoryError>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    let row = sqlx::query::<DB>(sql).bind(key).fetch_optional(&mut *conn).await.map_err(repository_error)?;
    row.as_ref().map(org_of).transpose()
}
