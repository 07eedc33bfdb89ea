//! Lease- and version-guarded writes, and what it means when one touches no row, in either dialect.
//!
//! Each function runs on a connection the caller holds (often inside its transaction) and is
//! generic over the sqlx database; times are bound in the store's own encoding (`T`).

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{Assignment, EventDone, EventStatus, LedgerError, RepositoryError};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use crate::error::{ledger_error, repository_error};
use crate::ledger::{parse_event_status, REPLAYABLE};
use crate::sql::{ASSIGN_ORG, EVENT_EXISTS, FINISH_EVENT, ORG_EXISTS, ORG_QUEUE_AHEAD, RELEASE_EVENT, REPLAY_AUDIT, REPLAY_RESET};

/// Why a lease-guarded statement on event `id` touched no row: the event exists, so its lease
/// was lost, or it does not.
pub async fn lease_lost_or_not_found<DB>(conn: &mut DB::Connection, id: &StripeEventId) -> LedgerError
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    match sqlx::query::<DB>(EVENT_EXISTS).bind(id.as_str()).fetch_optional(&mut *conn).await {
        Ok(Some(_)) => LedgerError::LeaseLost(id.clone()),
        Ok(None) => LedgerError::NotFound(id.clone()),
        Err(e) => ledger_error(e),
    }
}

/// Why a version-guarded state update of `org` touched no row: the organization exists, so
/// someone saved it since version `expected` was loaded, or it does not.
pub async fn conflict_or_not_found<DB>(conn: &mut DB::Connection, org: OrgId, expected: u64) -> RepositoryError
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    match sqlx::query::<DB>(ORG_EXISTS).bind(org.as_str()).fetch_optional(&mut *conn).await {
        Ok(Some(_)) => RepositoryError::VersionConflict { org, expected },
        Ok(None) => RepositoryError::NotFound(org),
        Err(e) => repository_error(e),
    }
}

/// Finishes the event a commit applied, at `at`, if its holder still holds it.
///
/// # Errors
/// [`RepositoryError::LeaseLost`] when the lease was lost, so the caller rolls back.
pub async fn finish_event_in<DB, T>(conn: &mut DB::Connection, done: &EventDone, at: T) -> Result<(), RepositoryError>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> T: Encode<'q, DB> + Type<DB> + Send + 'q,
{
    let status = EventStatus::from_disposition(done.disposition);
    let finished = sqlx::query::<DB>(FINISH_EVENT)
        .bind(done.event_id.as_str())
        .bind(done.holder.as_str())
        .bind(status.as_str())
        .bind(at)
        .fetch_optional(&mut *conn)
        .await
        .map_err(repository_error)?;
    match finished {
        Some(_) => Ok(()),
        None => Err(RepositoryError::LeaseLost(done.event_id.clone())),
    }
}

/// Sets the organization of event `id`, leased by `holder`, then hands the event back when
/// another event of the organization is leased at `now` or an older one is unfinished.
///
/// Runs inside the caller's transaction, which must already exclude concurrent claims of the
/// organization (Postgres: its advisory lock; SQLite: the single writer).
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
        return Err(lease_lost_or_not_found::<DB>(conn, id).await);
    }
    let ahead = sqlx::query::<DB>(ORG_QUEUE_AHEAD).bind(id.as_str()).bind(now).fetch_one(&mut *conn).await;
    let ahead: i64 = ahead.and_then(|r| r.try_get("n")).map_err(ledger_error)?;
    if ahead == 0 {
        return Ok(Assignment::Proceed);
    }
    sqlx::query::<DB>(RELEASE_EVENT).bind(id.as_str()).bind(holder).execute(&mut *conn).await.map_err(ledger_error)?;
    Ok(Assignment::HandedBack)
}

/// Sends event `id` through again if it is finished or dead, auditing `actor` at `now`, inside
/// the caller's transaction. `select_status` reads the status of `$1` and must lock the row
/// where the dialect can (`FOR UPDATE` on Postgres; SQLite's writer lock covers it).
///
/// # Errors
/// [`LedgerError::NotFound`], [`LedgerError::NotReplayable`] while the event is queued or in
/// flight, or the database error.
pub async fn replay_in<DB, T>(
    conn: &mut DB::Connection,
    select_status: &str,
    id: &StripeEventId,
    actor: &str,
    now: T,
) -> Result<(), LedgerError>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> T: Encode<'q, DB> + Type<DB> + Send + 'q,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    let row = sqlx::query::<DB>(select_status).bind(id.as_str()).fetch_optional(&mut *conn).await.map_err(ledger_error)?;
    let raw: String = row.ok_or_else(|| LedgerError::NotFound(id.clone()))?.try_get("status").map_err(ledger_error)?;
    if !REPLAYABLE.contains(&parse_event_status(&raw)?) {
        return Err(LedgerError::NotReplayable(id.clone()));
    }
    sqlx::query::<DB>(REPLAY_RESET).bind(id.as_str()).execute(&mut *conn).await.map_err(ledger_error)?;
    let audit = sqlx::query::<DB>(REPLAY_AUDIT).bind(id.as_str()).bind(actor).bind(raw.as_str()).bind(now);
    audit.execute(&mut *conn).await.map_err(ledger_error)?;
    Ok(())
}
