//! One decision written atomically on the single writer: state with a version check, event
//! status, audit and outbox in one `BEGIN IMMEDIATE` transaction.

use std::sync::LazyLock;

use billing_core::ports::{BatchWrite, Commit, RepositoryError};
use billing_store::sql::UPDATE_STATE;
use billing_store::{
    conflict_or_not_found, encode_audit, encode_notice, encode_state, finish_event_in, repository_error, settle, state_write_error,
    write_batch_in, Unreachable, WriteFuture, AUDIT_COLUMNS,
};
use sqlx::sqlite::SqlitePool;
use sqlx::{Row, SqliteConnection};

use crate::rows::{bind_state, opt_us, us};

/// One audit row; a commit writes a handful at most, so one statement per row is cheap here.
static INSERT_AUDIT: LazyLock<String> =
    LazyLock::new(|| format!("INSERT INTO billing_transitions ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"));

/// Writes `commit` in one transaction; any error rolls all of it back.
pub(crate) async fn commit(writer: &SqlitePool, commit: Commit) -> Result<u64, RepositoryError> {
    // IMMEDIATE takes the write lock up front, so another process cannot slip in between the
    // version check and the write.
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.map_err(Unreachable)?;
    let result = write(&mut tx, &commit).await;
    settle(tx, result, repository_error).await
}

/// Writes every item under its own savepoint in one `BEGIN IMMEDIATE` transaction: one fsync
/// for the batch, which is what keeps a fully synchronous writer fast.
pub(crate) async fn commit_batch(
    writer: &SqlitePool,
    writes: Vec<BatchWrite>,
) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.map_err(Unreachable)?;
    let result = write_batch_in::<sqlx::Sqlite>(&mut tx, &writes, write_item).await;
    settle(tx, result, repository_error).await
}

fn write_item<'a>(conn: &'a mut SqliteConnection, item: &'a BatchWrite) -> WriteFuture<'a> {
    Box::pin(async move {
        match item {
            BatchWrite::Commit(commit) => write(conn, commit).await.map(drop),
            BatchWrite::Finish { done, at } => finish_event_in::<sqlx::Sqlite, _>(conn, done, us(*at)).await,
        }
    })
}

async fn write(conn: &mut SqliteConnection, commit: &Commit) -> Result<u64, RepositoryError> {
    let version = update_state(conn, commit).await?;
    if let Some(done) = &commit.event {
        finish_event_in::<sqlx::Sqlite, _>(conn, done, us(commit.at)).await?;
    }
    insert_audit(conn, commit).await?;
    insert_outbox(conn, commit).await?;
    Ok(version)
}

async fn update_state(conn: &mut SqliteConnection, commit: &Commit) -> Result<u64, RepositoryError> {
    let row = encode_state(&commit.state);
    let query = bind_state(sqlx::query(&UPDATE_STATE).bind(&row.org_id).bind(row.version), &row)?;
    let updated = query.bind(opt_us(commit.next_timer_at)).bind(us(commit.at)).fetch_optional(&mut *conn).await;
    let org = commit.state.org_id().clone();
    let Some(updated) = updated.map_err(state_write_error)? else {
        return Err(conflict_or_not_found::<sqlx::Sqlite>(conn, org, commit.state.version()).await);
    };
    let version: i64 = updated.try_get("version").map_err(repository_error)?;
    u64::try_from(version).map_err(|_| RepositoryError::Unknown(anyhow::anyhow!("negative version {version} for {org}")))
}

async fn insert_audit(conn: &mut SqliteConnection, commit: &Commit) -> Result<(), RepositoryError> {
    for entry in &commit.audit {
        let a = encode_audit(entry);
        sqlx::query(&INSERT_AUDIT)
            .bind(&a.org_id)
            .bind(&a.from_plan)
            .bind(&a.from_status)
            .bind(&a.to_plan)
            .bind(&a.to_status)
            .bind(&a.cause_kind)
            .bind(&a.cause_ref)
            .bind(&a.actor_kind)
            .bind(&a.actor_id)
            .bind(us(a.at))
            .execute(&mut *conn)
            .await
            .map_err(repository_error)?;
    }
    Ok(())
}

async fn insert_outbox(conn: &mut SqliteConnection, commit: &Commit) -> Result<(), RepositoryError> {
    let sql = "INSERT INTO notification_outbox (org_id, kind, notice, created_at) VALUES ($1, $2, $3, $4)";
    for notice in &commit.notices {
        sqlx::query(sql)
            .bind(commit.state.org_id().as_str())
            .bind(notice.kind())
            .bind(encode_notice(notice)?)
            .bind(us(commit.at))
            .execute(&mut *conn)
            .await
            .map_err(repository_error)?;
    }
    Ok(())
}
