//! Claiming due events in one statement on the single writer connection, so no other write
//! interleaves with the selection.

use std::sync::LazyLock;

use billing_core::ports::{ClaimedEvent, LedgerError};
use billing_store::sql::{CLAIM_ELIGIBLE, CLAIM_RETURNING, CLAIM_SET};
use billing_store::{claimed_event, ledger_error, to_micros};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use crate::dialect::SqliteDialect;

/// Leases the due events that head their organization's queue, oldest Stripe `created` first.
/// `$1` now, `$2` holder, `$3` lease end, `$4` limit. The subquery is evaluated once before the
/// update, and no other write can run meanwhile, so the eligibility it sees is current.
///
/// `INDEXED BY` pins the walk along the unfinished events in Stripe order, which stops after
/// `limit` rows; left to itself SQLite prefers the status index and sorts the whole backlog
/// (about 20 times slower with 20 000 events waiting).
static CLAIM: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE webhook_events SET {CLAIM_SET} \
         WHERE event_id IN (\
             SELECT e.event_id FROM webhook_events e INDEXED BY webhook_events_due_idx \
             WHERE e.status IN ('received', 'processing', 'failed') AND {CLAIM_ELIGIBLE} \
             ORDER BY e.stripe_created, e.event_id LIMIT $4) \
         RETURNING {CLAIM_RETURNING}"
    )
});

/// Leases up to `limit` due events to `holder` until `lease_until`, on the writer `conn`.
pub(crate) async fn claim(
    writer: &mut SqliteConnection,
    holder: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<ClaimedEvent>, LedgerError> {
    let query = sqlx::query(&CLAIM).bind(to_micros(now)).bind(holder).bind(to_micros(lease_until)).bind(i64::from(limit));
    let rows = query.fetch_all(&mut *writer).await.map_err(ledger_error)?;
    rows.iter().map(|r| claimed_event::<SqliteDialect>(r, holder, lease_until)).collect()
}
