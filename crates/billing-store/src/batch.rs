//! Batches of writes in one transaction, each item under its own savepoint.
//!
//! One durable commit for a whole batch is what makes applying events in batches fast (one WAL
//! flush, or one SQLite fsync, instead of one per event); the savepoints are what keep one bad
//! item from taking the others down with it.

use std::future::Future;
use std::pin::Pin;

use billing_core::ports::{BatchWrite, RepositoryError};

use crate::db::Run;
use crate::dialect::{Conn, Dialect};
use crate::error::repository_error;

/// The future one item's write returns.
pub(crate) type WriteFuture<'a> = Pin<Box<dyn Future<Output = Result<(), RepositoryError>> + Send + 'a>>;

/// A write of one batch item on the batch's connection.
pub(crate) type WriteItem<C> = for<'a> fn(&'a mut C, &'a BatchWrite) -> WriteFuture<'a>;

/// Writes every item with `write`, each under a savepoint inside the caller's transaction: an
/// item that fails is rolled back to its savepoint and its error returned in its place.
///
/// # Errors
/// When a savepoint cannot be taken, rolled back to or released (a broken connection); the
/// caller then rolls the whole transaction back.
pub(crate) async fn write_batch_in<D: Dialect>(
    conn: &mut Conn<D>,
    writes: &[BatchWrite],
    write: WriteItem<Conn<D>>,
) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError> {
    let mut results = Vec::with_capacity(writes.len());
    for item in writes {
        savepoint::<D>(conn, "SAVEPOINT batch_item").await?;
        let written = write(conn, item).await;
        if written.is_err() {
            savepoint::<D>(conn, "ROLLBACK TO SAVEPOINT batch_item").await?;
        }
        savepoint::<D>(conn, "RELEASE SAVEPOINT batch_item").await?;
        results.push(written);
    }
    Ok(results)
}

async fn savepoint<D: Dialect>(conn: &mut Conn<D>, statement: &str) -> Result<(), RepositoryError> {
    D::Db::execute_unprepared(statement, conn).await.map_err(repository_error)?;
    Ok(())
}
