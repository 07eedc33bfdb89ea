//! A commit's audit rows and notices, each kind written in one statement: the columns travel as
//! parallel arrays, which saves a round trip per row inside the commit's transaction.

use std::sync::LazyLock;

use billing_core::ports::{Commit, RepositoryError};
use billing_core::Notice;
use billing_store::{encode_notice, repository_error, AuditRow, AUDIT_COLUMNS};
use sqlx::PgConnection;

/// All audit rows of a commit, inserted in order so that identity ids follow the commit.
static INSERT_AUDIT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO billing_transitions ({AUDIT_COLUMNS}) SELECT {AUDIT_COLUMNS} \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
                     $9::text[], $10::timestamptz[]) WITH ORDINALITY AS r({AUDIT_COLUMNS}, n) \
         ORDER BY n"
    )
});

/// All notices of a commit, in order.
const INSERT_OUTBOX: &str = "INSERT INTO notification_outbox (org_id, kind, notice, created_at) \
    SELECT $1, kind, body::jsonb, $4 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS r(kind, body, n) ORDER BY n";

/// Writes `rows` with [`INSERT_AUDIT`].
pub(crate) async fn insert_audit(conn: &mut PgConnection, rows: &[AuditRow]) -> Result<(), RepositoryError> {
    let text = |f: fn(&AuditRow) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let optional = |f: fn(&AuditRow) -> Option<&str>| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(&INSERT_AUDIT)
        .bind(text(|a| &a.org_id))
        .bind(text(|a| &a.from_plan))
        .bind(text(|a| &a.from_status))
        .bind(text(|a| &a.to_plan))
        .bind(text(|a| &a.to_status))
        .bind(text(|a| &a.cause_kind))
        .bind(optional(|a| a.cause_ref.as_deref()))
        .bind(optional(|a| a.actor_kind.as_deref()))
        .bind(optional(|a| a.actor_id.as_deref()))
        .bind(rows.iter().map(|a| a.at).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(repository_error)?;
    Ok(())
}

/// Writes the notices of `commit` with [`INSERT_OUTBOX`].
pub(crate) async fn insert_outbox(conn: &mut PgConnection, commit: &Commit) -> Result<(), RepositoryError> {
    let kinds: Vec<&str> = commit.notices.iter().map(Notice::kind).collect();
    let bodies = commit.notices.iter().map(encode_notice).collect::<Result<Vec<_>, _>>()?;
    sqlx::query(INSERT_OUTBOX)
        .bind(commit.state.org_id().as_str())
        .bind(kinds)
        .bind(bodies)
        .bind(commit.at)
        .execute(&mut *conn)
        .await
        .map_err(repository_error)?;
    Ok(())
}
