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
//! the organization, `assign_org` sets it under that organization's advisory lock and hands the
//! event back if the organization has another event in flight or an older one waiting.

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{Assignment, ClaimedEvent, LedgerError};
use billing_store::sql::{CLAIM_ELIGIBLE, CLAIM_RETURNING, CLAIM_SET};
use billing_store::{ledger_error, settle, CodecError, Unreachable};
use chrono::{DateTime, Duration, Utc};
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{PgConnection, Row};

/// The advisory-lock namespace (the first key of the two-key form), so these locks cannot
/// collide with advisory locks other software takes in the same database. It reads "bill".
const LOCK_NAMESPACE: i32 = 0x6269_6c6c;

/// Opens the claim transaction. The candidate query must walk `webhook_events_due_idx` in
/// Stripe order and stop after `limit` rows; with missing or stale statistics (a burst of
/// events into a fresh table, before autovacuum has analysed it) the planner instead picks a
/// bitmap scan of every unfinished event and a sort, which is orders of magnitude slower.
/// Ruling out sorts and bitmap scans for this transaction only keeps the ordered walk.
const BEGIN_CLAIM: &str = "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off";

/// Leases up to `limit` due events to `holder`, oldest Stripe `created` first.
pub(crate) async fn claim_due(
    pool: &PgPool,
    holder: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> Result<Vec<ClaimedEvent>, LedgerError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin_with(BEGIN_CLAIM).await.map_err(Unreachable)?;
    let result = claim_in(&mut tx, holder, now, now + lease, limit).await;
    let mut claimed = settle(tx, result, ledger_error).await?;
    claimed.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    Ok(claimed)
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
    rows.iter().map(|r| claimed_event(r, holder, lease_until)).collect()
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

/// Sets the organization of a leased event; see the module documentation.
pub(crate) async fn assign_org(
    pool: &PgPool,
    id: &StripeEventId,
    holder: &str,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Assignment, LedgerError> {
    let mut tx = pool.begin_with(crate::BEGIN).await.map_err(Unreachable)?;
    let result = assign_in(&mut tx, id, holder, org, now).await;
    settle(tx, result, ledger_error).await
}

async fn assign_in(
    conn: &mut PgConnection,
    id: &StripeEventId,
    holder: &str,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Assignment, LedgerError> {
    // Waiting here is short: claimers hold the lock only for their claim transaction.
    let lock = "SELECT pg_advisory_xact_lock($1, hashtext($2))";
    sqlx::query(lock).bind(LOCK_NAMESPACE).bind(org.as_str()).execute(&mut *conn).await.map_err(ledger_error)?;
    billing_store::assign_in::<sqlx::Postgres, _>(conn, id, holder, org, now).await
}

fn claimed_event(r: &PgRow, holder: &str, lease_until: DateTime<Utc>) -> Result<ClaimedEvent, LedgerError> {
    let raw_id: String = r.try_get("event_id").map_err(ledger_error)?;
    let org: Option<String> = r.try_get("org_id").map_err(ledger_error)?;
    let attempts: i32 = r.try_get("attempts_before").map_err(ledger_error)?;
    let expiries: i32 = r.try_get("lease_expiries").map_err(ledger_error)?;
    Ok(ClaimedEvent {
        id: StripeEventId::parse(raw_id.clone()).map_err(|_| CodecError::bad("event_id", raw_id))?,
        event_type: r.try_get("event_type").map_err(ledger_error)?,
        created: r.try_get("stripe_created").map_err(ledger_error)?,
        org_id: org.map(|o| OrgId::parse(o.clone()).map_err(|_| CodecError::bad("org_id", o))).transpose()?,
        payload: r.try_get("payload").map_err(ledger_error)?,
        attempts: u32::try_from(attempts).map_err(|_| CodecError::bad("attempts", attempts))?,
        lease_expiries: u32::try_from(expiries).map_err(|_| CodecError::bad("lease_expiries", expiries))?,
        received_at: r.try_get("received_at").map_err(ledger_error)?,
        holder: holder.to_owned(),
        lease_until,
    })
}
