//! The port contract suite against SQLite, each test on a fresh file in a temporary directory.
#![allow(clippy::unwrap_used)]

use billing_sqlite::SqliteStore;
use tempfile::TempDir;

async fn store() -> (SqliteStore, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("billing.db");
    let store = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    (store, dir)
}

billing_testkit::contract_tests!(store);
