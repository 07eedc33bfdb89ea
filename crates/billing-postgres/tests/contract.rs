//! The port contract suite against Postgres, each test on a fresh database.
#![allow(clippy::unwrap_used)]

use billing_postgres::PostgresStore;
use sqlx::postgres::PgPoolOptions;

async fn store() -> (PostgresStore, ()) {
    let url = billing_testkit::fresh_postgres_database().await;
    // One connection per concurrent writer of the intake test, so they really race.
    let options = PgPoolOptions::new().max_connections(33);
    (PostgresStore::connect_with(options, &url).await.unwrap(), ())
}

billing_testkit::contract_tests!(store);
