//! Giving a leased event the organization its worker has just learned, in either dialect.

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{Assignment, LedgerError};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use crate::error::ledger_error;
use crate::sql::{ASSIGN_ORG, EVENT_EXISTS, ORG_QUEUE_AHEAD, RELEASE_EVENT};

/// Sets the organization of event `id`, leased by `holder`, then hands the event back when
/// another event of the organization is leased at `now` or an older one is unfinished.
///
/// Runs inside the caller's transaction, which must already exclude concurrent claims of the
/// organization (Postgres: its advisory lock; SQLite: the single writer). `now` is bound in the
/// store's time encoding.
///
/// # Errors
/// [`LedgerError::LeaseLost`] when `holder` no longer holds the event, [`LedgerError::NotFound`]
/// for an unknown event, or the database error.
pub async fn assign_in<DB, T>(
    conn: &mut DB::Connection,
    id: &StripeEventId,
    holder: &str,
    org: &OrgId,
    now: T,
) -> Result<Assignment, LedgerError>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> T: Encode<'q, DB> + Type<DB> + Send + 'q,
    for<'r> i64: Decode<'r, DB> + Type<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    let assigned = sqlx::query::<DB>(ASSIGN_ORG).bind(id.as_str()).bind(holder).bind(org.as_str()).fetch_optional(&mut *conn).await;
    if assigned.map_err(ledger_error)?.is_none() {
        let exists = sqlx::query::<DB>(EVENT_EXISTS).bind(id.as_str()).fetch_optional(&mut *conn).await.map_err(ledger_error)?;
        return Err(if exists.is_some() { LedgerError::LeaseLost(id.clone()) } else { LedgerError::NotFound(id.clone()) });
    }
    let ahead = sqlx::query::<DB>(ORG_QUEUE_AHEAD).bind(id.as_str()).bind(now).fetch_one(&mut *conn).await;
    let ahead: i64 = ahead.and_then(|r| r.try_get("n")).map_err(ledger_error)?;
    if ahead == 0 {
        return Ok(Assignment::Proceed);
    }
    sqlx::query::<DB>(RELEASE_EVENT).bind(id.as_str()).bind(holder).execute(&mut *conn).await.map_err(ledger_error)?;
    Ok(Assignment::HandedBack)
}
