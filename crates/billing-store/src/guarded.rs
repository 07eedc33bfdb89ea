//! Lease- and version-guarded writes, and what it means when one touches no row, in any dialect.
//!
//! Each function runs on a connection the caller holds (often inside its transaction); times
//! are bound in the dialect's own encoding.

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{Assignment, EventDone, EventStatus, LedgerError, RepositoryError};
use chrono::{DateTime, Utc};

use crate::db::{QueryExt, RowExt};
use crate::dialect::{Conn, Dialect};
use crate::error::{ledger_error, repository_error};
use crate::ledger::{parse_event_status, REPLAYABLE};
use crate::sql::{ASSIGN_ORG, EVENT_EXISTS, FINISH_EVENT, ORG_EXISTS, ORG_QUEUE_AHEAD, RELEASE_EVENT, REPLAY_AUDIT, REPLAY_RESET};

/// Why a lease-guarded statement on event `id` touched no row: the event exists, so its lease
/// was lost, or it does not.
pub(crate) async fn lease_lost_or_not_found<D: Dialect>(conn: &mut Conn<D>, id: &StripeEventId) -> LedgerError {
    match D::query(EVENT_EXISTS).arg(id.as_str()).fetch_optional_on(&mut *conn).await {
        Ok(Some(_)) => LedgerError::LeaseLost(id.clone()),
        Ok(None) => LedgerError::NotFound(id.clone()),
        Err(e) => ledger_error(e),
    }
}

/// Why a version-guarded state update of `org` touched no row: the organization exists, so
/// someone saved it since version `expected` was loaded, or it does not.
pub async fn conflict_or_not_found<D: Dialect>(conn: &mut Conn<D>, org: OrgId, expected: u64) -> RepositoryError {
    match D::query(ORG_EXISTS).arg(org.as_str()).fetch_optional_on(&mut *conn).await {
        Ok(Some(_)) => RepositoryError::VersionConflict { org, expected },
        Ok(None) => RepositoryError::NotFound(org),
        Err(e) => repository_error(e),
    }
}

/// Finishes the event a commit applied, at `at`, if its holder still holds it.
///
/// # Errors
/// [`RepositoryError::LeaseLost`] when the lease was lost, so the caller rolls back.
pub(crate) async fn finish_event_in<D: Dialect>(conn: &mut Conn<D>, done: &EventDone, at: DateTime<Utc>) -> Result<(), RepositoryError> {
    let status = EventStatus::from_disposition(done.disposition);
    let finished = D::query(FINISH_EVENT)
        .arg(done.event_id.as_str())
        .arg(done.holder.as_str())
        .arg(status.as_str())
        .arg(D::time(at))
        .fetch_optional_on(&mut *conn)
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
/// Runs inside the caller's write transaction, which must already exclude concurrent claims of
/// the organization ([`Dialect::lock_org`]; on SQLite the single writer does).
///
/// # Errors
/// [`LedgerError::LeaseLost`] when `holder` no longer holds the event, [`LedgerError::NotFound`]
/// for an unknown event, or the database error.
pub(crate) async fn assign_in<D: Dialect>(
    conn: &mut Conn<D>,
    id: &StripeEventId,
    holder: &str,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Assignment, LedgerError> {
    let assigned = D::query(ASSIGN_ORG).arg(id.as_str()).arg(holder).arg(org.as_str()).fetch_optional_on(&mut *conn).await;
    if assigned.map_err(ledger_error)?.is_none() {
        return Err(lease_lost_or_not_found::<D>(conn, id).await);
    }
    let ahead = D::query(ORG_QUEUE_AHEAD).arg(id.as_str()).arg(D::time(now)).fetch_one_on(&mut *conn).await;
    let ahead: i64 = ahead.and_then(|r| r.value("n")).map_err(ledger_error)?;
    if ahead == 0 {
        return Ok(Assignment::Proceed);
    }
    D::query(RELEASE_EVENT).arg(id.as_str()).arg(holder).execute_on(&mut *conn).await.map_err(ledger_error)?;
    Ok(Assignment::HandedBack)
}

/// Sends event `id` through again if it is finished or dead, auditing `actor` at `now`, inside
/// the caller's write transaction. The status is read with [`Dialect::LOCK_ROW`], so on
/// Postgres the row stays locked until the transaction ends; SQLite's write lock covers it.
///
/// # Errors
/// [`LedgerError::NotFound`], [`LedgerError::NotReplayable`] while the event is queued or in
/// flight, or the database error.
pub(crate) async fn replay_in<D: Dialect>(
    conn: &mut Conn<D>,
    id: &StripeEventId,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), LedgerError> {
    let select_status = format!("SELECT status FROM webhook_events WHERE event_id = $1{}", D::LOCK_ROW);
    let row = D::query(&select_status).arg(id.as_str()).fetch_optional_on(&mut *conn).await.map_err(ledger_error)?;
    let raw: String = row.ok_or_else(|| LedgerError::NotFound(id.clone()))?.value("status").map_err(ledger_error)?;
    if !REPLAYABLE.contains(&parse_event_status(&raw)?) {
        return Err(LedgerError::NotReplayable(id.clone()));
    }
    D::query(REPLAY_RESET).arg(id.as_str()).execute_on(&mut *conn).await.map_err(ledger_error)?;
    let audit = D::query(REPLAY_AUDIT).arg(id.as_str()).arg(actor).arg(raw.as_str()).arg(D::time(now));
    audit.execute_on(&mut *conn).await.map_err(ledger_error)?;
    Ok(())
}
