//! Batches of writes in one transaction, each item under its own savepoint.
//!
//! One durable commit for a whole batch is what makes applying events in batches fast (one WAL
//! flush, or one SQLite fsync, instead of one per event); the savepoints are what keep one bad
//! item from taking the others down with it.

use std::future::Future;
use std::pin::Pin;

use billing_core::ports::{BatchWrite, RepositoryError};
use sqlx::{Database, Executor};

use crate::error::repository_error;

/// The future one item's write returns.
pub type WriteFuture<'a> = Pin<Box<dyn Future<Output = Result<(), RepositoryError>> + Send + 'a>>;

/// A store's write of one batch item on the batch's connection.
pub type WriteItem<C> = for<'a> fn(&'a mut C, &'a BatchWrite) -> WriteFuture<'a>;

/// Writes every item with `write`, each under a savepoint inside the caller's transaction: an
/// item that fails is rolled back to its savepoint and its error returned in its place.
///
/// # Errors
/// When a savepoint cannot be taken, rolled back to or released (a broken connection); the
/// caller then rolls the whole transaction back.
pub async fn write_batch_in<DB>(
    conn: &mut DB::Connection,
    writes: &[BatchWrite],
    write: WriteItem<DB::Connection>,
) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
{
    let mut results = Vec::with_capacity(writes.len());
    for item in writes {
        conn.execute("SAVEPOINT batch_item").await.map_err(repository_error)?;
        let written = write(conn, item).await;
        if written.is_err() {
            conn.execute("ROLLBACK TO SAVEPOINT batch_item").await.map_err(repository_error)?;
        }
        conn.execute("RELEASE SAVEPOINT batch_item").await.map_err(repository_error)?;
        results.push(written);
    }
    Ok(results)
}
