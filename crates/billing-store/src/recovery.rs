//! Recording events: the one insert of a new event, and a page of events an operator recovered
//! from Stripe's API recorded together with who recovered them.

use std::collections::HashSet;

use billing_core::ids::OrgId;
use billing_core::ports::{LedgerError, NewEvent, RecordOutcome};
use chrono::{DateTime, Utc};

use crate::db::{DbQuery, QueryExt};
use crate::dialect::{Conn, Dialect};
use crate::error::ledger_error;
use crate::ledger::{first_of_each_id, record_outcomes, RecordedAs};
use crate::sql::RECORD_EVENT;
use crate::store::SqlStore;
use crate::transaction::settle;

/// Notes that actor `$2` recovered event `$1` at `$3`. The event had no status before (the
/// ledger did not hold it), which the note's `from_status` says as `absent`.
pub(crate) const RECOVER_AUDIT: &str =
    "INSERT INTO webhook_event_audit (event_id, action, actor, from_status, at) VALUES ($1, 'recover', $2, 'absent', $3)";

/// [`RECORD_EVENT`] bound to `event`; a row returned means it was recorded, none a duplicate.
pub(crate) fn record_statement<D: Dialect>(event: &NewEvent) -> DbQuery<'_, D::Db> {
    // Secret positions are tiny list indexes; saturating keeps the column type simple.
    let verified_by = event.verified_by.map(|v| D::Int::from(i32::try_from(v).unwrap_or(i32::MAX)));
    let stored = RecordedAs::of(event);
    D::query(RECORD_EVENT)
        .arg(event.id.as_str())
        .arg(event.event_type.as_str())
        .arg(D::time(event.created))
        .arg(event.api_version.as_deref())
        .arg(event.livemode)
        .arg(event.org_id.as_ref().map(OrgId::as_str))
        .arg(event.payload.as_slice())
        .arg(verified_by)
        .arg(D::time(event.received_at))
        .arg(stored.status)
        .arg(stored.last_error)
        .arg(stored.processed_at.map(D::time))
}

/// Records each of `events` and notes `actor` for each one stored, inside the caller's write
/// transaction; returns the ids stored.
async fn recover_in<D: Dialect>(
    conn: &mut Conn<D>,
    events: &[&NewEvent],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<HashSet<String>, LedgerError> {
    let mut stored = HashSet::new();
    for event in events {
        if record_statement::<D>(event).fetch_optional_on(&mut *conn).await.map_err(ledger_error)?.is_none() {
            continue;
        }
        let note = D::query(RECOVER_AUDIT).arg(event.id.as_str()).arg(actor).arg(D::time(now));
        note.execute_on(&mut *conn).await.map_err(ledger_error)?;
        stored.insert(event.id.as_str().to_owned());
    }
    Ok(stored)
}

impl<D: Dialect> SqlStore<D> {
    /// `WebhookLedger::record_recovered`: one transaction for the page and its notes, ids taken
    /// in one global order (as batches are) so that two concurrent recoveries cannot deadlock.
    pub(crate) async fn write_recovered(
        &self,
        events: &[NewEvent],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<RecordOutcome>, LedgerError> {
        let unique = first_of_each_id(events);
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let result = recover_in::<D>(&mut tx, &unique, actor, now).await;
        let stored = settle(tx, result, ledger_error).await?;
        Ok(record_outcomes(events, stored))
    }
}
