//! Monitoring and lookup reads whose SQL and decoding are the same in every dialect.

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{LedgerError, RepositoryError};

use crate::db::{QueryExt, RowExt};
use crate::dialect::{Conn, DbRow, Dialect};
use crate::error::{ledger_error, repository_error, CodecError};
use crate::inspect::RowCounts;
use crate::sql::ROW_COUNTS;

/// The organization id in column `org_id` of a row.
///
/// # Errors
/// The database error, or [`CodecError`] for a stored id that is no longer valid.
pub(crate) fn org_of<D: Dialect>(row: &DbRow<D>) -> Result<OrgId, RepositoryError> {
    let raw: String = row.value("org_id").map_err(repository_error)?;
    OrgId::parse(raw.clone()).map_err(|_| CodecError::bad("org_id", raw).into())
}

/// The single count `n` that `sql` selects, as an unsigned number.
///
/// # Errors
/// The database error.
pub(crate) async fn count_in<D: Dialect>(conn: &mut Conn<D>, sql: &str) -> Result<u64, sqlx::Error> {
    let n: i64 = D::query(sql).fetch_one_on(&mut *conn).await?.value("n")?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The event ids in column `event_id` of every row `sql` selects.
///
/// # Errors
/// The database error, or [`CodecError`] for an invalid stored id.
pub(crate) async fn event_ids_in<D: Dialect>(conn: &mut Conn<D>, sql: &str) -> Result<Vec<StripeEventId>, LedgerError> {
    let rows = D::query(sql).fetch_all_on(&mut *conn).await.map_err(ledger_error)?;
    rows.iter()
        .map(|r| {
            let raw: String = r.value("event_id").map_err(ledger_error)?;
            StripeEventId::parse(raw.clone()).map_err(|_| CodecError::bad("event_id", raw).into())
        })
        .collect()
}

/// The size of every table ([`ROW_COUNTS`]).
///
/// # Errors
/// The database error.
pub(crate) async fn row_counts_in<D: Dialect>(conn: &mut Conn<D>) -> Result<RowCounts, LedgerError> {
    let r = D::query(ROW_COUNTS).fetch_one_on(&mut *conn).await.map_err(ledger_error)?;
    let count = |column: &str| r.value::<i64>(column).map(|n| u64::try_from(n).unwrap_or(0)).map_err(ledger_error);
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
pub(crate) async fn org_by_key_in<D: Dialect>(conn: &mut Conn<D>, sql: &str, key: &str) -> Result<Option<OrgId>, RepositoryError> {
    let row = D::query(sql).arg(key).fetch_optional_on(&mut *conn).await.map_err(repository_error)?;
    row.as_ref().map(org_of::<D>).transpose()
}
