//! SQLite-specific behaviour beyond the port contract: file handling, WAL and append-only audit.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use billing_core::ids::InstallationId;
use billing_core::ports::{BillingRepository, EventDisposition, RecordOutcome, WebhookLedger};
use billing_sqlite::{SqliteStore, SqliteStoreError, MIGRATOR};
use billing_testkit::fixtures::{at, new_event, org};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row, SqliteConnection};

#[tokio::test]
async fn connect_creates_the_file_and_its_directory_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("billing.db");
    let store = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    assert!(path.is_file());
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(&mut conn).await.unwrap().get(0);
    assert_eq!(mode, "wal");
    store.close().await;
}

#[tokio::test]
async fn data_survives_reopening_the_file_through_a_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("billing.db").display());
    let event = new_event("kept", Some(&org(1)), "invoice.paid", 1, 2);
    let first = SqliteStore::connect(&url).await.unwrap();
    assert_eq!(first.record(&event).await.unwrap(), RecordOutcome::Recorded);
    first.close().await;

    let second = SqliteStore::connect(&url).await.unwrap();
    assert_eq!(second.record(&event).await.unwrap(), RecordOutcome::Duplicate);
    assert!(second.get(&event.id).await.unwrap().is_some());
}

#[tokio::test]
async fn in_memory_databases_are_refused() {
    for location in ["sqlite::memory:", ":memory:", "sqlite://file?mode=memory"] {
        assert!(matches!(SqliteStore::connect(location).await, Err(SqliteStoreError::BadLocation(_))), "{location}");
    }
}

#[tokio::test]
async fn the_audit_tables_refuse_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("billing.db");
    let store = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    let event = new_event("replayed", Some(&org(1)), "invoice.paid", 1, 2);
    store.record(&event).await.unwrap();
    store.claim_due("w1", at(3), billing_testkit::contract::lease(), 1).await.unwrap();
    store.complete(&event.id, "w1", EventDisposition::Processed, at(4)).await.unwrap();
    store.replay(&event.id, "ops", at(5)).await.unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let insert = "INSERT INTO billing_transitions (org_id, from_plan, from_status, to_plan, to_status, cause_kind, at) \
                  VALUES ('org_1', 'free', 'none', 'team', 'active', 'reconcile', 0)";
    sqlx::query(insert).execute(&mut conn).await.unwrap();

    for table in ["billing_transitions", "webhook_event_audit"] {
        for statement in [format!("UPDATE {table} SET at = at"), format!("DELETE FROM {table}")] {
            let refused = sqlx::query(&statement).execute(&mut conn).await;
            assert!(refused.unwrap_err().to_string().contains("append-only"), "{statement}");
        }
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&mut conn).await.unwrap();
        assert_eq!(rows, 1, "{table}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_agree_on_the_installation_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("billing.db");
    let first = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    let second = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    billing_testkit::contract::instances_sharing_a_database_agree_on_the_installation_id(Arc::new(first), Arc::new(second)).await;
}

#[tokio::test]
async fn the_installation_id_cannot_be_changed_or_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("billing.db");
    let store = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    let kept = InstallationId::parse("inst_kept").unwrap();
    store.ensure_installation_id(&kept).await.unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    for statement in ["UPDATE installation SET installation_id = 'inst_new'", "DELETE FROM installation"] {
        let refused = sqlx::query(statement).execute(&mut conn).await;
        assert!(refused.unwrap_err().to_string().contains("append-only"), "{statement}");
    }
    assert_eq!(store.ensure_installation_id(&InstallationId::parse("inst_new").unwrap()).await.unwrap(), kept);
}

/// Migration 0003 adds the URL columns to a file already holding organizations.
#[tokio::test]
async fn an_organization_stored_before_migration_0003_loads_without_urls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("billing.db");
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path).create_if_missing(true)).await.unwrap();
    billing_testkit::migrator_up_to(&MIGRATOR, 2).await.unwrap().run(&mut conn).await.unwrap();
    let old_row = "INSERT INTO organizations (org_id, plan, status, cancel_at_period_end, checkout_session_id, checkout_plan, \
                   checkout_created_at, last_attempt_at, last_attempt_amount, last_attempt_currency, last_attempt_invoice_id, \
                   recent_plan_changes, ended_subscriptions, version, created_at, updated_at) \
                   VALUES ('org_1', 'free', 'none', 0, 'cs_old', 'team', 5, 6, 4900, 'usd', 'in_old', '[]', '[]', 3, 7, 7)";
    sqlx::query(old_row).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let store = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    billing_testkit::contract::an_organization_stored_before_the_url_columns_loads_without_urls(Arc::new(store)).await;
}
