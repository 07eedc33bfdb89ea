//! The port contract suite against SQLite, each test on a fresh file in a temporary directory.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use billing_sqlite::SqliteStore;
use billing_testkit::contract::{RawFuture, RawSql};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};
use tempfile::TempDir;

fn path(dir: &TempDir) -> PathBuf {
    dir.path().join("data").join("billing.db")
}

async fn store() -> (SqliteStore, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(path(&dir).to_str().unwrap()).await.unwrap();
    (store, dir)
}

/// Raw SQL on a connection of its own to the store's file, as an operator's `sqlite3` would.
struct LiteSql(SqliteConnectOptions);

fn raw_sql(_: &SqliteStore, dir: &TempDir) -> LiteSql {
    LiteSql(SqliteConnectOptions::new().filename(path(dir)).busy_timeout(std::time::Duration::from_secs(5)))
}

impl RawSql for LiteSql {
    fn execute<'a>(&'a self, sql: &'a str) -> RawFuture<'a, u64> {
        Box::pin(async move {
            let mut conn = self.0.connect().await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap().rows_affected()
        })
    }

    fn texts<'a>(&'a self, sql: &'a str) -> RawFuture<'a, Vec<Option<String>>> {
        Box::pin(async move {
            let mut conn = self.0.connect().await.unwrap();
            sqlx::query(sql).fetch_all(&mut conn).await.unwrap().iter().map(|r| r.get(0)).collect()
        })
    }
}

billing_testkit::contract_tests!(store, raw_sql = raw_sql);
