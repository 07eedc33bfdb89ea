//! The port contract suite against Postgres, each test on a fresh database.
#![allow(clippy::unwrap_used)]

use billing_postgres::PostgresStore;
use billing_testkit::contract::{RawFuture, RawSql};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Row;

async fn store() -> (PostgresStore, ()) {
    let url = billing_testkit::fresh_postgres_database().await;
    // One connection per concurrent writer of the intake test, so they really race.
    let options = PgPoolOptions::new().max_connections(33);
    (PostgresStore::connect_with(options, &url).await.unwrap(), ())
}

/// Raw SQL through the store's own pool.
struct PgSql(PgPool);

fn raw_sql(store: &PostgresStore, (): &()) -> PgSql {
    PgSql(store.pool().clone())
}

impl RawSql for PgSql {
    fn execute<'a>(&'a self, sql: &'a str) -> RawFuture<'a, u64> {
        Box::pin(async move { sqlx::query(sql).execute(&self.0).await.unwrap().rows_affected() })
    }

    fn texts<'a>(&'a self, sql: &'a str) -> RawFuture<'a, Vec<Option<String>>> {
        Box::pin(async move { sqlx::query(sql).fetch_all(&self.0).await.unwrap().iter().map(|r| r.get(0)).collect() })
    }
}

billing_testkit::contract_tests!(store, raw_sql = raw_sql);
