//! One decision written atomically: state with a version check, event status, audit and outbox.

use std::sync::LazyLock;

use billing_core::ports::{BatchWrite, Commit, RepositoryError};
use billing_core::Notice;
use billing_store::sql::UPDATE_STATE;
use billing_store::{
    conflict_or_not_found, encode_audit, encode_notice, encode_state, finish_event_in, repository_error, settle, state_write_error,
    write_batch_in, AuditRow, Unreachable, WriteFuture, AUDIT_COLUMNS,
};
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Row};

use crate::rows::bind_state;

/// All audit rows of a commit: the columns travel as parallel arrays, inserted in order so that
/// identity ids follow the order of the commit.
static INSERT_AUDIT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO billing_transitions ({AUDIT_COLUMNS}) SELECT {AUDIT_COLUMNS} \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
                     $9::text[], $10::timestamptz[]) WITH ORDINALITY AS r({AUDIT_COLUMNS}, n) \
         ORDER BY n"
    )
});

/// Writes `commit` in one transaction; any error rolls all of it back.
pub(crate) async fn commit(pool: &PgPool, commit: Commit) -> Result<u64, RepositoryError> {
    let mut tx = pool.begin_with(crate::BEGIN).await.map_err(Unreachable)?;
    let result = write(&mut tx, &commit).await;
    settle(tx, result, repository_error).await
}

/// Writes every item under its own savepoint in one transaction.
pub(crate) async fn commit_batch(pool: &PgPool, writes: Vec<BatchWrite>) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError> {
    let mut tx = pool.begin_with(crate::BEGIN).await.map_err(Unreachable)?;
    let result = write_batch_in::<sqlx::Postgres>(&mut tx, &writes, write_item).await;
    settle(tx, result, repository_error).await
}

fn write_item<'a>(conn: &'a mut PgConnection, item: &'a BatchWrite) -> WriteFuture<'a> {
    Box::pin(async move {
        match item {
            BatchWrite::Commit(commit) => write(conn, commit).await.map(drop),
            BatchWrite::Finish { done, at } => finish_event_in::<sqlx::Postgres, _>(conn, done, *at).await,
        }
    })
}

async fn write(conn: &mut PgConnection, commit: &Commit) -> Result<u64, RepositoryError> {
    let version = update_state(conn, commit).await?;
    if let Some(done) = &commit.event {
        finish_event_in::<sqlx::Postgres, _>(conn, done, commit.at).await?;
    }
    insert_audit(conn, commit).await?;
    insert_outbox(conn, commit).await?;
    Ok(version)
}

async fn update_state(conn: &mut PgConnection, commit: &Commit) -> Result<u64, RepositoryError> {
    let row = encode_state(&commit.state);
    let query = sqlx::query(&UPDATE_STATE).bind(&row.org_id).bind(row.version);
    let updated =
        bind_state(query, &row).bind(commit.next_timer_at).bind(commit.at).fetch_optional(&mut *conn).await.map_err(state_write_error)?;
    let org = commit.state.org_id().clone();
    let Some(updated) = updated else {
        return Err(conflict_or_not_found::<sqlx::Postgres>(conn, org, commit.state.version()).await);
    };
    let version: i64 = updated.try_get("version").map_err(repository_error)?;
    u64::try_from(version).map_err(|_| RepositoryError::Unknown(anyhow::anyhow!("negative version {version} for {org}")))
}

/// All audit rows in one statement ([`INSERT_AUDIT`]).
async fn insert_audit(conn: &mut PgConnection, commit: &Commit) -> Result<(), RepositoryError> {
    if commit.audit.is_empty() {
        return Ok(());
    }
    let rows: Vec<AuditRow> = commit.audit.iter().map(encode_audit).collect();
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

/// All notices in one statement, in commit order.
async fn insert_outbox(conn: &mut PgConnection, commit: &Commit) -> Result<(), RepositoryError> {
    if commit.notices.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = commit.notices.iter().map(Notice::kind).collect();
    let bodies = commit.notices.iter().map(encode_notice).collect::<Result<Vec<_>, _>>()?;
    let sql = "INSERT INTO notification_outbox (org_id, kind, notice, created_at) \
               SELECT $1, kind, body::jsonb, $4 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS r(kind, body, n) ORDER BY n";
    sqlx::query(sql)
        .bind(commit.state.org_id().as_str())
        .bind(kinds)
        .bind(bodies)
        .bind(commit.at)
        .execute(&mut *conn)
        .await
        .map_err(repository_error)?;
    Ok(())
}
