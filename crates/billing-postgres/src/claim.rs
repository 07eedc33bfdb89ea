//! Claiming due events: row locks, per-organization advisory locks and a re-check.
//!
//! A claim runs in one READ COMMITTED transaction of three statements:
//! 1. pick candidates: due events that are the oldest unfinished event of their organization
//!    and whose organization has no live lease, locking them `FOR UPDATE SKIP LOCKED` so
//!    concurrent claimers pass over each other's rows instead of waiting;
//! 2. take a transaction-scoped advisory lock per candidate organization with
//!    `pg_try_advisory_xact_lock`, dropping organizations another claimer is working on;
//! 3. re-check the same conditions in a new statement, whose snapshot is taken after the
//!    locks, and lease the survivors.
//!
//! Step 3 is what makes per-organization exclusivity hold across processes: the snapshot of
//! step 1 can predate another claimer's commit (for example one that leased a newer event
//! before an older one arrived), but a claimer that holds the organization's advisory lock sees
//! every earlier claim of that organization committed, and later claimers of the organization
//! wait for its commit through the same lock.
//!
//! An event recorded without an organization is claimed without a lock; when its worker learns
//! the organization, `assign_org` takes that organization's advisory lock ([`lock_org`]) before
//! setting it, and hands the event back if the organization has another event in flight or an
//! older one waiting.

use billing_core::ids::OrgId;
use billing_core::ports::{ClaimedEvent, LedgerError};
use billing_store::sql::{CLAIM_ELIGIBLE, CLAIM_RETURNING, CLAIM_SET};
use billing_store::{claimed_event, ledger_error, settle, Unreachable};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Row};

use crate::dialect::PostgresDialect;

/// The advisory-lock namespace (the first key of the two-key form), so these locks cannot
/// collide with advisory locks other software takes in the same database. It reads "bill".
const LOCK_NAMESPACE: i32 = 0x6269_6c6c;

/// Opens the claim transaction. The candidate query must walk `webhook_events_due_idx` in
/// Stripe order and stop after `limit` rows; with missing or stale statistics (a burst of
/// events into a fresh table, before autovacuum has analysed it) the planner instead picks a
/// bitmap scan of every unfinished event and a sort, which is orders of magnitude slower.
/// Ruling out sorts and bitmap scans for this transaction only keeps the ordered walk.
const BEGIN_CLAIM: &str = "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off";

/// Leases up to `limit` due events to `holder` until `lease_until`.
pub(crate) async fn claim(
    pool: &PgPool,
    holder: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<ClaimedEvent>, LedgerError> {
    let mut tx = pool.begin_with(BEGIN_CLAIM).await.map_err(Unreachable)?;
    let result = claim_in(&mut tx, holder, now, lease_until, limit).await;
    settle(tx, result, ledger_error).await
}

async fn claim_in(
    conn: &mut PgConnection,
    holder: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<ClaimedEvent>, LedgerError> {
    let candidates = candidates(conn, now, limit).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let ids = lock_organizations(conn, candidates).await?;
    let sql = format!(
        "UPDATE webhook_events e SET {CLAIM_SET} \
         FROM unnest($4::text[]) AS c(id) WHERE e.event_id = c.id AND {CLAIM_ELIGIBLE} \
         RETURNING {CLAIM_RETURNING}"
    );
    let rows = sqlx::query(&sql).bind(now).bind(holder).bind(lease_until).bind(&ids).fetch_all(&mut *conn).await.map_err(ledger_error)?;
    rows.iter().map(|r| claimed_event::<PostgresDialect>(r, holder, lease_until)).collect()
}

/// Candidate `(event_id, org_id)` pairs, row-locked by this transaction.
async fn candidates(conn: &mut PgConnection, now: DateTime<Utc>, limit: u32) -> Result<Vec<(String, Option<String>)>, LedgerError> {
    let sql = format!(
        "SELECT e.event_id, e.org_id FROM webhook_events e \
         WHERE e.status IN ('received', 'processing', 'failed') AND {CLAIM_ELIGIBLE} \
         ORDER BY e.stripe_created, e.event_id LIMIT $2 FOR UPDATE OF e SKIP LOCKED"
    );
    let rows = sqlx::query(&sql).bind(now).bind(i64::from(limit)).fetch_all(&mut *conn).await.map_err(ledger_error)?;
    rows.iter().map(|r| Ok((r.try_get("event_id").map_err(ledger_error)?, r.try_get("org_id").map_err(ledger_error)?))).collect()
}

/// The candidate event ids whose organization this transaction could lock (or that have none).
async fn lock_organizations(conn: &mut PgConnection, candidates: Vec<(String, Option<String>)>) -> Result<Vec<String>, LedgerError> {
    let orgs: Vec<&str> = candidates.iter().filter_map(|(_, org)| org.as_deref()).collect();
    let sql = "SELECT org FROM unnest($2::text[]) AS org WHERE pg_try_advisory_xact_lock($1, hashtext(org))";
    let locked: Vec<String> = if orgs.is_empty() {
        Vec::new()
    } else {
        let rows = sqlx::query(sql).bind(LOCK_NAMESPACE).bind(&orgs).fetch_all(&mut *conn).await.map_err(ledger_error)?;
        rows.iter().map(|r| r.try_get("org").map_err(ledger_error)).collect::<Result<_, _>>()?
    };
    Ok(candidates.into_iter().filter(|(_, org)| org.as_ref().is_none_or(|o| locked.contains(o))).map(|(id, _)| id).collect())
}

/// Takes the advisory lock of `org` until the caller's transaction ends, so no claim of it
/// interleaves with giving an event that organization; see the module documentation.
pub(crate) async fn lock_org(conn: &mut PgConnection, org: &OrgId) -> Result<(), LedgerError> {
    // Waiting here is short: claimers hold the lock only for their claim transaction.
    let lock = "SELECT pg_advisory_xact_lock($1, hashtext($2))";
    sqlx::query(lock).bind(LOCK_NAMESPACE).bind(org.as_str()).execute(&mut *conn).await.map_err(ledger_error)?;
    Ok(())
}
