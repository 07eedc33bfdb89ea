//! The statement timeout: a stuck statement gives its pool connection back instead of holding it
//! forever, and is reported as the database being unavailable.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use billing_postgres::PostgresStore;
use billing_store::{classify, DbFailure};
use sqlx::postgres::PgPoolOptions;

async fn setting(store: &PostgresStore) -> String {
    sqlx::query_scalar("SHOW statement_timeout").fetch_one(store.pool()).await.unwrap()
}

#[tokio::test]
async fn every_connection_cancels_a_statement_that_outlasts_the_configured_timeout() {
    let url = billing_testkit::fresh_postgres_database().await;
    let store =
        PostgresStore::connect_with_statement_timeout(PgPoolOptions::new().max_connections(2), &url, Duration::from_secs(1)).await.unwrap();
    assert_eq!(setting(&store).await, "1s");
    let error = sqlx::query("SELECT pg_sleep(3)").execute(store.pool()).await.unwrap_err();
    assert_eq!(error.as_database_error().and_then(|e| e.code()).as_deref(), Some("57014"), "{error}");
    assert_eq!(classify(&error), DbFailure::Unavailable, "a later try may find the database responsive");
    // The connection is not poisoned: the next statement on the pool runs.
    assert_eq!(setting(&store).await, "1s");
}

#[tokio::test]
async fn a_store_connected_without_a_timeout_of_its_own_gets_thirty_seconds() {
    let url = billing_testkit::fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.unwrap();
    assert_eq!(setting(&store).await, "30s");
}

#[tokio::test]
async fn migrations_are_not_held_to_the_statement_timeout() {
    // Applying every migration to an empty database takes far longer than a millisecond.
    let url = billing_testkit::fresh_postgres_database().await;
    let options = PgPoolOptions::new().max_connections(2);
    PostgresStore::connect_with_statement_timeout(options, &url, Duration::from_millis(1)).await.unwrap();
    let plain = PgPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success").fetch_one(&plain).await.unwrap();
    assert_eq!(usize::try_from(applied).unwrap(), billing_postgres::MIGRATOR.iter().count());
}
