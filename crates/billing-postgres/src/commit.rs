//! A commit in one statement: the guarded state update, the event's final status, the audit
//! rows and the notices, chained in data-modifying CTEs, so a commit costs one round trip
//! inside its transaction instead of four. Audit rows and notices travel as parallel arrays.

use std::sync::LazyLock;

use billing_core::ports::{Commit, EventStatus, RepositoryError};
use billing_core::Notice;
use billing_store::{
    bind_state, conflict_or_not_found, encode_audit, encode_notice, encode_state, repository_error, state_assignments, state_write_error,
    stored_version, AuditRow, AUDIT_COLUMNS, STATE_COLUMNS,
};
use sqlx::{PgConnection, Row};

use crate::dialect::PostgresDialect;

/// `$1` organization, `$2` expected version, the state columns, then the next timer and the
/// commit's time; then the event's id, holder and final status (all NULL without an event), the
/// ten audit arrays, and the notices' kinds and bodies. Everything after the state update runs
/// only if the update matched: a version conflict writes nothing. The event's update runs
/// under its lease; the caller compares `finished` with whether the commit carries an event.
static COMMIT_ONE: LazyLock<String> = LazyLock::new(|| {
    let next = 3 + STATE_COLUMNS.len();
    let (at, event, audit, notices) = (next + 1, next + 2, next + 5, next + 15);
    let audit_arrays = (0..9).map(|i| format!("${}::text[]", audit + i)).collect::<Vec<_>>().join(", ");
    format!(
        "WITH s AS (UPDATE organizations SET {assignments}, next_timer_at = ${next}, updated_at = ${at}, version = version + 1 \
                    WHERE org_id = $1 AND version = $2 RETURNING version), \
         e AS (UPDATE webhook_events SET status = ${status}, processed_at = ${at}, lease_until = NULL, next_attempt_at = NULL \
               WHERE event_id = ${event} AND status = 'processing' AND lease_holder = ${holder} AND EXISTS (SELECT 1 FROM s) \
               RETURNING event_id), \
         a AS (INSERT INTO billing_transitions ({AUDIT_COLUMNS}) SELECT {AUDIT_COLUMNS} \
               FROM unnest({audit_arrays}, ${audit_at}::timestamptz[]) WITH ORDINALITY AS r({AUDIT_COLUMNS}, n) \
               WHERE EXISTS (SELECT 1 FROM s) ORDER BY n), \
         o AS (INSERT INTO notification_outbox (org_id, kind, notice, created_at) SELECT $1, kind, body::jsonb, ${at} \
               FROM unnest(${notices}::text[], ${bodies}::text[]) WITH ORDINALITY AS r(kind, body, n) \
               WHERE EXISTS (SELECT 1 FROM s) ORDER BY n) \
         SELECT (SELECT version FROM s) AS version, (SELECT count(*) FROM e) AS finished",
        assignments = state_assignments(3),
        holder = event + 1,
        status = event + 2,
        audit_at = audit + 9,
        bodies = notices + 1,
    )
});

/// Writes `commit` with [`COMMIT_ONE`] and returns the new version.
pub(crate) async fn write_commit(conn: &mut PgConnection, commit: &Commit) -> Result<u64, RepositoryError> {
    let row = encode_state(&commit.state);
    let audit: Vec<AuditRow> = commit.audit.iter().map(encode_audit).collect();
    let text = |f: fn(&AuditRow) -> &str| audit.iter().map(f).collect::<Vec<_>>();
    let optional = |f: fn(&AuditRow) -> Option<&str>| audit.iter().map(f).collect::<Vec<_>>();
    let done = commit.event.as_ref();
    let bodies = commit.notices.iter().map(encode_notice).collect::<Result<Vec<_>, _>>()?;
    let query = sqlx::query(&COMMIT_ONE).bind(row.org_id.as_str()).bind(row.version);
    let written = bind_state::<PostgresDialect>(query, &row)?
        .bind(commit.next_timer_at)
        .bind(commit.at)
        .bind(done.map(|d| d.event_id.as_str()))
        .bind(done.map(|d| d.holder.as_str()))
        .bind(done.map(|d| EventStatus::from_disposition(d.disposition).as_str()))
        .bind(text(|a| &a.org_id))
        .bind(text(|a| &a.from_plan))
        .bind(text(|a| &a.from_status))
        .bind(text(|a| &a.to_plan))
        .bind(text(|a| &a.to_status))
        .bind(text(|a| &a.cause_kind))
        .bind(optional(|a| a.cause_ref.as_deref()))
        .bind(optional(|a| a.actor_kind.as_deref()))
        .bind(optional(|a| a.actor_id.as_deref()))
        .bind(audit.iter().map(|a| a.at).collect::<Vec<_>>())
        .bind(commit.notices.iter().map(Notice::kind).collect::<Vec<_>>())
        .bind(bodies)
        .fetch_one(&mut *conn)
        .await
        .map_err(state_write_error)?;
    let version: Option<i64> = written.try_get("version").map_err(repository_error)?;
    let finished: i64 = written.try_get("finished").map_err(repository_error)?;
    let org = commit.state.org_id().clone();
    let Some(version) = version else {
        return Err(conflict_or_not_found::<PostgresDialect>(conn, org, commit.state.version()).await);
    };
    if let Some(done) = done.filter(|_| finished == 0) {
        return Err(RepositoryError::LeaseLost(done.event_id.clone()));
    }
    stored_version(&org, version)
}
