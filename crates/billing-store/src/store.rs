//! The store shared by every dialect: its pools, and how a port call gets a connection.
//!
//! The ports themselves are implemented on [`SqlStore`] in `ledger_port`, `repository_port` and
//! `inspect`; each store crate wraps one in its public type and forwards to it
//! ([`crate::forward_ports!`]).

use std::fmt;

use sqlx::pool::PoolConnection;
use sqlx::{Pool, Transaction};

use crate::dialect::Dialect;
use crate::error::Unreachable;

/// The billing store on dialect `D`'s database; cheap to clone (it shares the pools).
///
/// Writes go through `writer` and reads through `reader`. On Postgres both are the one pool;
/// SQLite has a single-connection writer, which serialises every write, and a read-only pool
/// beside it.
pub struct SqlStore<D: Dialect> {
    writer: Pool<D::Db>,
    reader: Pool<D::Db>,
}

impl<D: Dialect> SqlStore<D> {
    /// A store whose writes go through `writer` and whose reads go through `reader`.
    pub fn new(writer: Pool<D::Db>, reader: Pool<D::Db>) -> Self {
        Self { writer, reader }
    }

    /// A store whose reads and writes share `pool`.
    pub fn shared(pool: Pool<D::Db>) -> Self {
        Self { writer: pool.clone(), reader: pool }
    }

    /// The pool every write goes through.
    pub fn writer(&self) -> &Pool<D::Db> {
        &self.writer
    }

    /// The pool reads go through.
    pub fn reader(&self) -> &Pool<D::Db> {
        &self.reader
    }

    /// A connection for writes; failing to get one means the database cannot be reached.
    ///
    /// # Errors
    /// [`Unreachable`] with the pool's error.
    pub async fn write_conn(&self) -> Result<PoolConnection<D::Db>, Unreachable> {
        self.writer.acquire().await.map_err(Unreachable)
    }

    /// A connection for reads; failing to get one means the database cannot be reached.
    ///
    /// # Errors
    /// [`Unreachable`] with the pool's error.
    pub async fn read_conn(&self) -> Result<PoolConnection<D::Db>, Unreachable> {
        self.reader.acquire().await.map_err(Unreachable)
    }

    /// A write transaction begun with [`Dialect::BEGIN_WRITE`]; end it with [`crate::settle`].
    ///
    /// # Errors
    /// [`Unreachable`] when no connection could be had or the transaction not begun.
    pub async fn begin_write(&self) -> Result<Transaction<'static, D::Db>, Unreachable> {
        self.writer.begin_with(D::BEGIN_WRITE).await.map_err(Unreachable)
    }
}

impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        Self { writer: self.writer.clone(), reader: self.reader.clone() }
    }
}

impl<D: Dialect> fmt::Debug for SqlStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore").field("writer", &self.writer).field("reader", &self.reader).finish()
    }
}
