//! Health, readiness, metrics, the OpenAPI document and unknown routes.

use crate::both_stores;
use crate::helpers::*;

async fn probes_answer(store: Store) {
    let app = spawn_app(store).await;
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), 200);
    assert!(app.metrics().await.contains("billing_ledger_backlog"));
}
both_stores!(health_readiness_and_metrics_answer, probes_answer);

#[tokio::test]
async fn openapi_document_describes_every_route() {
    let app = spawn_app(Store::Sqlite).await;
    let doc: serde_json::Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let routes = [
        ("/healthz", "get", false),
        ("/readyz", "get", false),
        ("/metrics", "get", false),
        ("/api/openapi.json", "get", false),
        ("/api/auth/refresh", "post", false),
        ("/api/organization", "get", false),
        ("/api/billing/subscription", "get", false),
        ("/api/billing/subscription", "delete", false),
        ("/api/billing/subscription/reactivate", "post", false),
        ("/api/billing/plans", "get", false),
        ("/api/billing/entitlements", "get", false),
        ("/api/billing/invoices", "get", false),
        ("/api/billing/checkout", "post", true),
        ("/api/billing/checkout", "get", false),
        ("/api/billing/verify-session", "post", true),
        ("/api/billing/plan", "post", true),
        ("/api/billing/plan/scheduled", "delete", false),
        ("/api/billing/proration", "post", true),
        ("/api/webhooks/stripe", "post", false),
    ];
    for (path, method, takes_body) in routes {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is missing from the OpenAPI document");
        assert!(op["responses"]["200"].is_object(), "{method} {path} documents no success answer");
        if takes_body {
            assert!(op["requestBody"]["content"]["application/json"]["schema"].is_object(), "{method} {path} documents no request schema");
            assert!(
                op["responses"]["200"]["content"]["application/json"]["schema"].is_object(),
                "{method} {path} documents no response schema"
            );
        }
    }
}

#[tokio::test]
async fn unknown_route_answers_the_json_error_shape() {
    let app = spawn_app(Store::Sqlite).await;
    let res = app.get("/nope", None).await;
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn database_outage_answers_503_so_stripe_retries() {
    let app = spawn_app(Store::Postgres).await;
    let billing_server::config::DatabaseConfig::Postgres { url } = app.database.clone() else { unreachable!() };
    let (server, name) = url.rsplit_once('/').unwrap();
    let admin = sqlx_connect(&format!("{server}/postgres")).await;
    sqlx::query(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false")).execute(&admin).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1").bind(name).execute(&admin).await.unwrap();
    let res = app.deliver(&fixture("invoice.paid.json")).await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "database_unavailable");
    assert_eq!(app.get("/readyz", None).await.status(), 503);
    sqlx::query(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true")).execute(&admin).await.unwrap();
    let retried = app.deliver(&fixture("invoice.paid.json")).await;
    assert_eq!(retried.status(), 200, "the same delivery succeeds once the database is back");
}

async fn sqlx_connect(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await.unwrap()
}
