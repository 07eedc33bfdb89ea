//! SQL text every dialect runs, with the odd fragment from [`crate::Dialect`]; statements that
//! differ wholly (the claim, batch inserts) stay in the store crates.
//!
//! sqlx-sqlite accepts the `$N` placeholders Postgres uses, and the values bound here have the
//! same meaning in both schemas (times are `timestamptz` in one and INTEGER microseconds in the
//! other, but compare the same way), so one copy of each statement serves both stores.

use std::sync::LazyLock;

use crate::audit::AUDIT_COLUMNS;
use crate::ledger::LEDGER_COLUMNS;
use crate::state::{state_assignments, state_placeholders, state_select_list, STATE_COLUMNS};

/// An update of a leased event that applies only while `$2` still holds event `$1`; no row
/// returned means the lease was lost or the event is unknown (tell them apart with
/// [`crate::lease_lost_or_not_found`]). A holder whose lease expired but was not reclaimed may
/// still finish.
macro_rules! lease_guarded {
    ($set:literal) => {
        concat!(
            "UPDATE webhook_events SET ",
            $set,
            " WHERE event_id = $1 AND status = 'processing' AND lease_holder = $2 RETURNING event_id"
        )
    };
}

/// Finishes a leased event, from `complete` or from a commit: `$3` final status, `$4` now.
pub const FINISH_EVENT: &str = lease_guarded!("status = $3, processed_at = $4, lease_until = NULL, next_attempt_at = NULL");

/// Records a failed attempt: `$3` next attempt, `$4` error.
pub const FAIL_EVENT: &str = lease_guarded!("status = 'failed', next_attempt_at = $3, last_error = $4, lease_until = NULL");

/// Gives up on an event: `$3` now, `$4` error.
pub const DEAD_LETTER_EVENT: &str =
    lease_guarded!("status = 'dead', processed_at = $3, last_error = $4, lease_until = NULL, next_attempt_at = NULL");

/// Sets an event aside as ignored without applying it: `$3` now, `$4` the reason, kept as its
/// last error for the operator.
pub const IGNORE_EVENT: &str =
    lease_guarded!("status = 'ignored', processed_at = $3, last_error = $4, lease_until = NULL, next_attempt_at = NULL");

/// Hands an event back and gives back its attempt, because a shutdown is not the event's fault.
/// A CASE rather than `GREATEST` (Postgres only) or two-argument `MAX` (SQLite only).
pub const RELEASE_EVENT: &str = lease_guarded!(
    "status = 'received', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, lease_holder = NULL, lease_until = NULL"
);

/// Whether event `$1` exists.
pub const EVENT_EXISTS: &str = "SELECT 1 FROM webhook_events WHERE event_id = $1";

/// Records an event once; no row inserted means a duplicate.
macro_rules! record_columns {
    () => {
        "event_id, event_type, stripe_created, api_version, livemode, org_id, payload, verified_by, received_at, \
         status, last_error, processed_at"
    };
}

/// The columns a new event is recorded with, in the order [`RECORD_EVENT`] binds them.
pub const RECORD_COLUMNS: &str = record_columns!();

/// `$10`..`$12` are the status, last error and processed time of [`crate::RecordedAs`]. No row
/// returned means a duplicate.
pub const RECORD_EVENT: &str = concat!(
    "INSERT INTO webhook_events (",
    record_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
);

/// Sets the organization `$3` of event `$1`, leased by `$2`.
pub const ASSIGN_ORG: &str = lease_guarded!("org_id = $3");

/// How many events `n` go before event `$1` in its organization's queue at `$2` (now): another
/// event of the organization with a live lease, or an older unfinished one. Run after
/// [`ASSIGN_ORG`], in the same transaction.
pub const ORG_QUEUE_AHEAD: &str = "SELECT count(*) AS n FROM webhook_events e \
    JOIN webhook_events o ON o.org_id = e.org_id AND o.event_id <> e.event_id \
    WHERE e.event_id = $1 AND ((o.status = 'processing' AND o.lease_until >= $2) \
       OR (o.status IN ('received', 'processing', 'failed') AND (o.stripe_created, o.event_id) < (e.stripe_created, e.event_id)))";

/// One ledger entry by event id `$1`.
pub static GET_EVENT: LazyLock<String> = LazyLock::new(|| format!("SELECT {LEDGER_COLUMNS} FROM webhook_events WHERE event_id = $1"));

/// What a claim sets on each event it leases to holder `$2` until `$3`. An event still marked
/// processing had a lease that ran out before its holder finished: that is counted.
pub const CLAIM_SET: &str = "status = 'processing', lease_holder = $2, lease_until = $3, attempts = attempts + 1, \
    lease_expiries = lease_expiries + CASE WHEN status = 'processing' THEN 1 ELSE 0 END";

/// What a claim returns of each leased event, as both stores decode it.
pub const CLAIM_RETURNING: &str =
    "event_id, event_type, stripe_created, org_id, payload, attempts - 1 AS attempts_before, received_at, lease_expiries";

/// Due, first in its organization's queue, and no other event of the organization leased.
/// `$1` is now; the event table is aliased `e`. Postgres runs it twice per claim (to pick
/// candidates and to re-check them after taking the organizations' locks), SQLite once.
pub const CLAIM_ELIGIBLE: &str = "
    (e.status = 'received'
     OR (e.status = 'failed' AND e.next_attempt_at <= $1)
     OR (e.status = 'processing' AND e.lease_until < $1))
    AND (e.org_id IS NULL OR (
        NOT EXISTS (SELECT 1 FROM webhook_events o
                    WHERE o.org_id = e.org_id AND o.status IN ('received', 'processing', 'failed')
                      AND (o.stripe_created, o.event_id) < (e.stripe_created, e.event_id))
        AND NOT EXISTS (SELECT 1 FROM webhook_events p
                        WHERE p.org_id = e.org_id AND p.status = 'processing' AND p.lease_until >= $1
                          AND p.event_id <> e.event_id)))";

/// Sends event `$1` through again with a fresh retry budget; the previous error stays visible
/// until the next attempt.
pub const REPLAY_RESET: &str = "UPDATE webhook_events SET status = 'received', attempts = 0, lease_expiries = 0, lease_holder = NULL, \
    lease_until = NULL, next_attempt_at = NULL, processed_at = NULL WHERE event_id = $1";

/// Audits a replay of event `$1` by actor `$2` from status `$3` at `$4`.
pub const REPLAY_AUDIT: &str =
    "INSERT INTO webhook_event_audit (event_id, action, actor, from_status, at) VALUES ($1, 'replay', $2, $3, $4)";

/// Operator actions on event `$1`, oldest first.
pub const EVENT_HISTORY: &str = "SELECT action, actor, from_status, at FROM webhook_event_audit WHERE event_id = $1 ORDER BY id";

/// Event ids stored more than once; the primary key keeps this empty.
pub const DUPLICATE_IDS: &str = "SELECT event_id FROM webhook_events GROUP BY event_id HAVING count(*) > 1 ORDER BY event_id";

/// The number `n` of unfinished events.
pub const BACKLOG: &str = "SELECT count(*) AS n FROM webhook_events WHERE status IN ('received', 'processing', 'failed')";

/// The size of every table, one column each.
pub const ROW_COUNTS: &str = "SELECT (SELECT count(*) FROM organizations) AS organizations, \
    (SELECT count(*) FROM webhook_events) AS webhook_events, \
    (SELECT count(*) FROM billing_transitions) AS transitions, \
    (SELECT count(*) FROM notification_outbox) AS outbox, \
    (SELECT count(*) FROM webhook_event_audit) AS event_audit";

/// The state of organization `$1`, selected with [`state_select_list`].
pub static SELECT_STATE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM organizations WHERE org_id = $1", state_select_list()));

/// Writes a state if organization `$1` is still at version `$2`: then the state columns,
/// `next_timer_at` and `updated_at`. No row returned means a version conflict or no such
/// organization (tell them apart with [`ORG_EXISTS`]).
pub static UPDATE_STATE: LazyLock<String> = LazyLock::new(|| {
    let next = 3 + STATE_COLUMNS.len();
    format!(
        "UPDATE organizations SET {}, next_timer_at = ${next}, updated_at = ${}, version = version + 1 \
         WHERE org_id = $1 AND version = $2 RETURNING version",
        state_assignments(3),
        next + 1
    )
});

/// Creates organization `$1` at version `$2` with the state columns, then `created_at` and
/// `updated_at`; the row comes back only if this call made it.
pub static INSERT_STATE: LazyLock<String> = LazyLock::new(|| {
    let now = 3 + STATE_COLUMNS.len();
    format!(
        "INSERT INTO organizations (org_id, version, {}, created_at, updated_at) VALUES ($1, $2, {}, ${now}, ${now}) \
         ON CONFLICT (org_id) DO NOTHING RETURNING {}",
        STATE_COLUMNS.join(", "),
        state_placeholders(3),
        state_select_list()
    )
});

/// Whether organization `$1` exists.
pub const ORG_EXISTS: &str = "SELECT 1 FROM organizations WHERE org_id = $1";

/// The organization owning Stripe customer `$1`.
pub const ORG_BY_CUSTOMER: &str = "SELECT org_id FROM organizations WHERE stripe_customer_id = $1";

/// The organization owning Stripe subscription `$1`.
pub const ORG_BY_SUBSCRIPTION: &str = "SELECT org_id FROM organizations WHERE stripe_subscription_id = $1";

/// Up to `$2` organizations whose timer is due at `$1`, oldest first.
pub const DUE_TIMERS: &str = "SELECT org_id FROM organizations WHERE next_timer_at <= $1 ORDER BY next_timer_at, org_id LIMIT $2";

/// How many organizations `n` are in `past_due`.
pub const PAST_DUE_COUNT: &str = "SELECT count(*) AS n FROM organizations WHERE status = 'past_due'";

/// Up to `$1` organizations in `past_due`, by id.
pub const PAST_DUE: &str = "SELECT org_id FROM organizations WHERE status = 'past_due' ORDER BY org_id LIMIT $1";

/// Up to `$2` transitions of organization `$1`, newest first.
pub static AUDIT_TRAIL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {AUDIT_COLUMNS} FROM billing_transitions WHERE org_id = $1 ORDER BY at DESC, id DESC LIMIT $2"));

/// One audit row, its columns in [`AUDIT_COLUMNS`] order.
pub static INSERT_AUDIT_ROW: LazyLock<String> =
    LazyLock::new(|| format!("INSERT INTO billing_transitions ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"));

/// One notice for organization `$1`: kind `$2`, the notice as JSON text `$3`, created at `$4`.
pub const INSERT_OUTBOX_ROW: &str = "INSERT INTO notification_outbox (org_id, kind, notice, created_at) VALUES ($1, $2, $3, $4)";

/// Stores `$1` as this database's installation id, created at `$2`, unless one is stored
/// already. The table holds at most the row with `id = 1`, so every racing first call but one
/// inserts nothing; Postgres makes the others wait for the winner's commit before doing so.
pub const INSERT_INSTALLATION: &str =
    "INSERT INTO installation (id, installation_id, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING";

/// The stored installation id, read after [`INSERT_INSTALLATION`].
pub const SELECT_INSTALLATION: &str = "SELECT installation_id FROM installation WHERE id = 1";

/// Outbox rows a claim may take at `$1`: undelivered, not dead-lettered, and not leased or held
/// back past `$1`.
pub const OUTBOX_CLAIMABLE: &str = "delivered_at IS NULL AND dead_at IS NULL AND (lease_until IS NULL OR lease_until < $1)";

/// Gives up on undelivered outbox item `$1` at `$2` with reason `$3`; claims never take it again.
pub const OUTBOX_DEAD_LETTER: &str =
    "UPDATE notification_outbox SET dead_at = $2, last_error = $3, lease_until = NULL WHERE id = $1 AND delivered_at IS NULL";

/// Holds undelivered outbox item `$1` back until `$2`; claims skip it until then.
pub const OUTBOX_RETRY_AT: &str = "UPDATE notification_outbox SET lease_until = $2 WHERE id = $1 AND delivered_at IS NULL";

/// Marks outbox item `$1` delivered at `$2`; a second delivery keeps the first time. No row
/// returned means there is no such item.
pub const OUTBOX_DELIVERED: &str =
    "UPDATE notification_outbox SET delivered_at = COALESCE(delivered_at, $2), lease_until = NULL WHERE id = $1 RETURNING id";

/// Leases up to `$3` claimable notices at `$1` until `$2`, lowest id first. `skip_locked` ends
/// the selection (see [`crate::Dialect::SKIP_LOCKED`]) and `notice_text` reads the notice as
/// text ([`crate::Dialect::NOTICE_TEXT`]).
pub fn claim_outbox(skip_locked: &str, notice_text: &str) -> String {
    format!(
        "UPDATE notification_outbox SET lease_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM notification_outbox WHERE {OUTBOX_CLAIMABLE} ORDER BY id LIMIT $3{skip_locked}) \
         RETURNING id, org_id, {notice_text} AS notice, attempts - 1 AS attempts_before"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lease_guarded_update_checks_status_and_holder() {
        for sql in [FINISH_EVENT, FAIL_EVENT, DEAD_LETTER_EVENT, IGNORE_EVENT, RELEASE_EVENT, ASSIGN_ORG] {
            assert!(sql.starts_with("UPDATE webhook_events SET "), "{sql}");
            assert!(sql.ends_with(" WHERE event_id = $1 AND status = 'processing' AND lease_holder = $2 RETURNING event_id"), "{sql}");
        }
    }

    #[test]
    fn the_outbox_claim_takes_the_dialects_lock_and_notice_text() {
        let postgres = claim_outbox(" FOR UPDATE SKIP LOCKED", "notice::text");
        assert!(postgres.contains("ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING id, org_id, notice::text AS notice,"));
        assert!(claim_outbox("", "notice").contains("ORDER BY id LIMIT $3) RETURNING id, org_id, notice AS notice,"));
    }

    #[test]
    fn the_state_update_binds_timer_and_time_after_the_state_columns() {
        assert!(UPDATE_STATE.contains("invoice_watermarks = $34, schedule_watermark = $35, next_timer_at = $36, updated_at = $37,"));
    }
}
