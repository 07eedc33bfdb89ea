//! One decision written atomically, in any dialect: state with a version check, event status,
//! audit and outbox in one write transaction; and batches of them under savepoints.

use billing_core::ids::OrgId;
use billing_core::ports::{BatchWrite, Commit, RepositoryError};

use crate::audit::{encode_audit, AuditRow};
use crate::batch::{write_batch_in, WriteFuture};
use crate::db::{QueryExt, RowExt};
use crate::dialect::{Conn, Dialect};
use crate::error::{repository_error, state_write_error};
use crate::guarded::{conflict_or_not_found, finish_event_in};
use crate::rows::bind_state;
use crate::sql::UPDATE_STATE;
use crate::state::encode_state;
use crate::store::SqlStore;
use crate::transaction::settle;

impl<D: Dialect> SqlStore<D> {
    /// Writes `commit` in one transaction; any error rolls all of it back.
    pub(crate) async fn write_commit(&self, commit: Commit) -> Result<u64, RepositoryError> {
        let mut tx = self.begin_write().await?;
        let result = D::write_commit(&mut tx, &commit).await;
        settle(tx, result, repository_error).await
    }

    /// Writes every item in one transaction: one durable commit for the batch, which is what
    /// keeps a fully synchronous writer fast.
    ///
    /// Most batches have no item that fails after writing part of itself, so the batch is first
    /// written without savepoints, two statements fewer per item. An item refused before it
    /// wrote anything (a version conflict, a lost lease on an event finished without a state
    /// change) is simply reported in its place. Any other failure (a lease lost after the state
    /// was written, a database error, which aborts a Postgres transaction) rolls that attempt
    /// back and the batch is written again with a savepoint per item.
    pub(crate) async fn write_batch(&self, writes: Vec<BatchWrite>) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError> {
        let mut tx = self.begin_write().await?;
        if let Some(results) = write_unless_partial::<D>(&mut tx, &writes).await {
            tx.commit().await.map_err(repository_error)?;
            return Ok(results);
        }
        // A failed rollback means a broken connection, which the next attempt reports.
        let _ = tx.rollback().await;
        let mut tx = self.begin_write().await?;
        let result = write_batch_in::<D>(&mut tx, &writes, write_item::<D>).await;
        settle(tx, result, repository_error).await
    }
}

/// The batch's results, unless an item failed after writing part of itself.
async fn write_unless_partial<D: Dialect>(conn: &mut Conn<D>, writes: &[BatchWrite]) -> Option<Vec<Result<(), RepositoryError>>> {
    let mut results = Vec::with_capacity(writes.len());
    for item in writes {
        let written = write_item::<D>(conn, item).await;
        if written.as_ref().is_err_and(|e| !refused_before_writing(item, e)) {
            return None;
        }
        results.push(written);
    }
    Some(results)
}

/// Whether `error` stopped `item` at its first statement, a guarded write that matched no row,
/// so that nothing of the item was written and the transaction is still sound.
fn refused_before_writing(item: &BatchWrite, error: &RepositoryError) -> bool {
    match (item, error) {
        (BatchWrite::Commit(_), RepositoryError::VersionConflict { .. } | RepositoryError::NotFound(_)) => true,
        (BatchWrite::Finish { .. }, RepositoryError::LeaseLost(_)) => true,
        (
            BatchWrite::Commit(_) | BatchWrite::Finish { .. },
            RepositoryError::VersionConflict { .. }
            | RepositoryError::NotFound(_)
            | RepositoryError::LeaseLost(_)
            | RepositoryError::OwnershipConflict
            | RepositoryError::Unavailable
            | RepositoryError::Unknown(_),
        ) => false,
    }
}

fn write_item<'a, D: Dialect>(conn: &'a mut Conn<D>, item: &'a BatchWrite) -> WriteFuture<'a> {
    Box::pin(async move {
        match item {
            BatchWrite::Commit(commit) => D::write_commit(conn, commit).await.map(drop),
            BatchWrite::Finish { done, at } => finish_event_in::<D>(conn, done, *at).await,
        }
    })
}

/// [`Dialect::write_commit`] one statement per part.
pub(crate) async fn write_parts<D: Dialect>(conn: &mut Conn<D>, commit: &Commit) -> Result<u64, RepositoryError> {
    let version = update_state::<D>(conn, commit).await?;
    if let Some(done) = &commit.event {
        finish_event_in::<D>(conn, done, commit.at).await?;
    }
    if !commit.audit.is_empty() {
        let rows: Vec<AuditRow> = commit.audit.iter().map(encode_audit).collect();
        D::insert_audit(conn, &rows).await?;
    }
    if !commit.notices.is_empty() {
        D::insert_outbox(conn, commit).await?;
    }
    Ok(version)
}

async fn update_state<D: Dialect>(conn: &mut Conn<D>, commit: &Commit) -> Result<u64, RepositoryError> {
    let row = encode_state(&commit.state);
    let query = bind_state::<D>(D::query(&UPDATE_STATE).arg(row.org_id.as_str()).arg(row.version), &row)?;
    let updated = query.arg(commit.next_timer_at.map(D::time)).arg(D::time(commit.at)).fetch_optional_on(&mut *conn).await;
    let org = commit.state.org_id().clone();
    let Some(updated) = updated.map_err(state_write_error)? else {
        return Err(conflict_or_not_found::<D>(conn, org, commit.state.version()).await);
    };
    stored_version(&org, updated.value("version").map_err(repository_error)?)
}

/// The version a state update returned, which the schema keeps non-negative.
///
/// # Errors
/// [`RepositoryError::Unknown`] for a negative version, which only a hand-edited row can have.
pub fn stored_version(org: &OrgId, version: i64) -> Result<u64, RepositoryError> {
    u64::try_from(version).map_err(|_| RepositoryError::Unknown(anyhow::anyhow!("negative version {version} for {org}")))
}
