//! Ending a transaction explicitly, so its locks are gone before the caller sees an error.

use sqlx::{Database, Transaction};

/// Ends `tx` as `result` says: commit on success, an explicit rollback on failure.
///
/// A dropped transaction only queues its rollback until the connection is next used; until then
/// Postgres row locks would hold up other claimers and the SQLite write lock would shut out other
/// processes. Rolling back here releases them before the caller sees the error. A failed rollback
/// means a broken connection, which the pool discards, so the original error is the one worth
/// returning.
///
/// # Errors
/// `result`'s error, or `db_error` of the failed commit.
pub async fn settle<DB: Database, T, E>(
    tx: Transaction<'static, DB>,
    result: Result<T, E>,
    db_error: fn(sqlx::Error) -> E,
) -> Result<T, E> {
    match result {
        Ok(value) => {
            tx.commit().await.map_err(db_error)?;
            Ok(value)
        }
        Err(error) => {
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}
