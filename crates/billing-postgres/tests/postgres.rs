//! Postgres-specific behaviour beyond the port contract: shared startup, errors, append-only audit.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use std::sync::Arc;

use billing_core::ids::InstallationId;
use billing_core::ports::{BillingRepository, EventDisposition, LedgerError, RecordOutcome, RepositoryError, WebhookLedger};
use billing_postgres::{PostgresStore, MIGRATOR};
use billing_testkit::fixtures::{at, new_event, org, plan};
use sqlx::postgres::PgPoolOptions;

#[tokio::test]
async fn instances_starting_together_migrate_once_and_share_the_data() {
    let url = billing_testkit::fresh_postgres_database().await;
    let (a, b) = tokio::join!(PostgresStore::connect(&url), PostgresStore::connect(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let event = new_event("shared", Some(&org(1)), "invoice.paid", 1, 2);
    assert_eq!(a.record(&event).await.unwrap(), RecordOutcome::Recorded);
    assert_eq!(b.record(&event).await.unwrap(), RecordOutcome::Duplicate);
    assert_eq!(b.get(&event.id).await.unwrap().unwrap().received_at, at(2));
}

#[tokio::test]
async fn an_unreachable_server_is_reported_as_unavailable() {
    // Port 1 on loopback refuses connections; the lazy pool only tries when first used.
    let pool =
        PgPoolOptions::new().acquire_timeout(Duration::from_secs(1)).connect_lazy("postgres://postgres@127.0.0.1:1/billing").unwrap();
    let store = PostgresStore::from_pool(pool);
    assert!(matches!(store.load_or_create(&org(1), &plan("free")).await, Err(RepositoryError::Unavailable)));
    assert!(matches!(store.backlog().await, Err(LedgerError::Unavailable)));
}

#[tokio::test]
async fn a_database_refusing_connections_is_reported_as_unavailable_until_it_is_back() {
    let url = billing_testkit::fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.unwrap();
    let (server, name) = url.rsplit_once('/').unwrap();
    let admin = PgPoolOptions::new().max_connections(1).connect(&format!("{server}/postgres")).await.unwrap();
    let allow = |yes: bool| format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {yes}");
    sqlx::query(&allow(false)).execute(&admin).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1").bind(name).execute(&admin).await.unwrap();

    let event = new_event("outage", Some(&org(1)), "invoice.paid", 1, 2);
    assert!(matches!(store.record(&event).await, Err(LedgerError::Unavailable)));
    assert!(matches!(store.load(&org(1)).await, Err(RepositoryError::Unavailable)));

    sqlx::query(&allow(true)).execute(&admin).await.unwrap();
    assert_eq!(store.record(&event).await.unwrap(), RecordOutcome::Recorded);
}

/// One row in each audit table: a transition, and the replay of a finished event.
async fn fill_audit_tables(store: &PostgresStore) {
    let insert = "INSERT INTO billing_transitions (org_id, from_plan, from_status, to_plan, to_status, cause_kind, at) \
                  VALUES ('org_1', 'free', 'none', 'team', 'active', 'reconcile', now())";
    sqlx::query(insert).execute(store.pool()).await.unwrap();
    let event = new_event("replayed", Some(&org(1)), "invoice.paid", 1, 2);
    store.record(&event).await.unwrap();
    store.claim_due("w1", at(3), billing_testkit::contract::lease(), 1).await.unwrap();
    store.complete(&event.id, "w1", EventDisposition::Processed, at(4)).await.unwrap();
    store.replay(&event.id, "ops", at(5)).await.unwrap();
}

#[tokio::test]
async fn the_audit_tables_refuse_updates_deletes_and_truncation() {
    let url = billing_testkit::fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.unwrap();
    fill_audit_tables(&store).await;
    for table in ["billing_transitions", "webhook_event_audit"] {
        for statement in [format!("UPDATE {table} SET at = at"), format!("DELETE FROM {table}"), format!("TRUNCATE {table}")] {
            let refused = sqlx::query(&statement).execute(store.pool()).await;
            assert!(refused.unwrap_err().to_string().contains("append-only"), "{statement}");
        }
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(store.pool()).await.unwrap();
        assert_eq!(rows, 1, "{table}");
    }
}

/// A fresh database whose sessions default to REPEATABLE READ, as some deployments configure.
async fn repeatable_read_store() -> PostgresStore {
    let url = billing_testkit::fresh_postgres_database().await;
    let admin = PgPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let database: String = sqlx::query_scalar("SELECT current_database()").fetch_one(&admin).await.unwrap();
    sqlx::query(&format!("ALTER DATABASE \"{database}\" SET default_transaction_isolation = 'repeatable read'"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let store = PostgresStore::connect_with(PgPoolOptions::new().max_connections(16), &url).await.unwrap();
    let isolation: String = sqlx::query_scalar("SHOW default_transaction_isolation").fetch_one(store.pool()).await.unwrap();
    assert_eq!(isolation, "repeatable read", "the setting applies to the store's sessions");
    store
}

/// The claim and assignment transactions re-check after taking an organization's lock, which
/// needs a statement snapshot newer than the lock: they must not inherit a stricter default.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn claims_stay_exclusive_when_the_database_defaults_to_repeatable_read() {
    for _ in 0..3 {
        let store = std::sync::Arc::new(repeatable_read_store().await);
        billing_testkit::contract::eight_concurrent_claimers_never_double_claim_or_run_two_events_of_one_org(store).await;
    }
}

/// Racing first calls insert with ON CONFLICT DO NOTHING, which a stricter default isolation
/// would turn into serialization failures for every racer but the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn installation_ids_agree_when_the_database_defaults_to_repeatable_read() {
    for _ in 0..3 {
        let store = std::sync::Arc::new(repeatable_read_store().await);
        billing_testkit::contract::racing_first_calls_agree_on_one_installation_id(store).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sharing_a_database_agree_on_the_installation_id() {
    let url = billing_testkit::fresh_postgres_database().await;
    let (a, b) = tokio::join!(PostgresStore::connect(&url), PostgresStore::connect(&url));
    let (a, b) = (Arc::new(a.unwrap()), Arc::new(b.unwrap()));
    billing_testkit::contract::instances_sharing_a_database_agree_on_the_installation_id(a, b).await;
}

#[tokio::test]
async fn the_installation_id_cannot_be_changed_or_removed() {
    let url = billing_testkit::fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.unwrap();
    let kept = InstallationId::parse("inst_kept").unwrap();
    store.ensure_installation_id(&kept).await.unwrap();
    for statement in ["UPDATE installation SET installation_id = 'inst_new'", "DELETE FROM installation", "TRUNCATE installation"] {
        let refused = sqlx::query(statement).execute(store.pool()).await;
        assert!(refused.unwrap_err().to_string().contains("append-only"), "{statement}");
    }
    assert_eq!(store.ensure_installation_id(&InstallationId::parse("inst_new").unwrap()).await.unwrap(), kept);
}

/// Migration 0003 adds the URL columns to a database already holding organizations.
#[tokio::test]
async fn an_organization_stored_before_migration_0003_loads_without_urls() {
    let url = billing_testkit::fresh_postgres_database().await;
    let pool = PgPoolOptions::new().max_connections(2).connect(&url).await.unwrap();
    billing_testkit::migrator_up_to(&MIGRATOR, 2).await.unwrap().run(&pool).await.unwrap();
    let old_row = "INSERT INTO organizations (org_id, plan, status, cancel_at_period_end, checkout_session_id, checkout_plan, \
                   checkout_created_at, last_attempt_at, last_attempt_amount, last_attempt_currency, last_attempt_invoice_id, \
                   recent_plan_changes, ended_subscriptions, version, created_at, updated_at) \
                   VALUES ('org_1', 'free', 'none', false, 'cs_old', 'team', now(), now(), 4900, 'usd', 'in_old', '{}', '{}', 3, now(), now())";
    sqlx::query(old_row).execute(&pool).await.unwrap();
    let store = PostgresStore::from_pool(pool);
    store.migrate().await.unwrap();
    billing_testkit::contract::an_organization_stored_before_the_url_columns_loads_without_urls(Arc::new(store)).await;
}
