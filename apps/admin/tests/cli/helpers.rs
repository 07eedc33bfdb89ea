//! A fresh Postgres database per test, the fixtures, and a mocked Stripe.

use billing_admin::context::Admin;
use billing_admin::output::Report;
use billing_postgres::PostgresStore;
use billing_wiring::config::DatabaseConfig;
use serde_json::Value;
use wiremock::MockServer;

/// An admin context on a new Postgres database, with Stripe at `stripe` when given, and the
/// database's URL. Settings are built in code, so whatever the environment holds cannot leak in.
pub async fn admin(stripe: Option<&MockServer>) -> (Admin, String) {
    let url = billing_testkit::fresh_postgres_database().await;
    let mut settings = billing_wiring::config::defaults().expect("the defaults are valid");
    settings.database = DatabaseConfig::Postgres { url: url.clone() };
    if let Some(server) = stripe {
        settings.stripe_secret_key = Some("sk_test_admin".to_owned().into());
        settings.stripe_api_base = server.uri();
        settings.stripe_max_retries = 0;
    }
    // The prices the fixtures' subscriptions use.
    settings.stripe_prices = [
        ("solo".to_owned(), Some("price_solo_monthly".to_owned())),
        ("team".to_owned(), Some("price_team_monthly".to_owned())),
        ("enterprise".to_owned(), Some("price_business_monthly".to_owned())),
    ];
    (Admin::open(settings).await.expect("the store opens"), url)
}

/// The store at `url` itself, for what the ports do not show (the ledger's operator notes).
pub async fn store(url: &str) -> PostgresStore {
    PostgresStore::connect(url).await.expect("the store opens")
}

/// An embedded database with the schema applied, as a server would have left it.
pub async fn created_database(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("billing.sqlite");
    billing_sqlite::SqliteStore::connect(&path.to_string_lossy()).await.expect("the store is created");
    path
}

pub fn fixture_json(name: &str) -> Value {
    let path = format!("{}/../../fixtures/stripe/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A page of `GET /v1/events`.
pub fn event_page(names: &[&str], has_more: bool) -> Value {
    let data: Vec<Value> = names.iter().map(|n| fixture_json(n)).collect();
    serde_json::json!({"object": "list", "url": "/v1/events", "has_more": has_more, "data": data})
}

/// The lines of a report's readable form.
pub fn lines(report: &Report) -> Vec<&str> {
    report.text.lines().collect()
}
