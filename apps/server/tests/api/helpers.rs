//! `spawn_app()` and typed helpers: tokens, signed webhooks, polling for background work.

use std::path::PathBuf;
use std::time::Duration;

use billing_core::ports::LedgerEntry;
use billing_server::auth::{Claims, Role, TokenAuthority, TokenPolicy};
use billing_server::config::{DatabaseConfig, Settings};
use billing_server::startup::Application;
use billing_server::workers::Cadence;
use secrecy::SecretString;
use serde_json::Value;
use wiremock::MockServer;

pub const WEBHOOK_SECRET: &str = "whsec_fixture-NOT-A-REAL-SECRET";
pub const OLD_WEBHOOK_SECRET: &str = "whsec_fixture-OLD-ROTATED-SECRET";
/// At least 32 bytes, as the server requires.
pub const JWT_SECRET: &str = "test-jwt-secret-NOT-A-REAL-SECRET-0123456789";

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub stripe: MockServer,
    pub database: DatabaseConfig,
    /// Keeps the SQLite directory alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
}

pub fn settings(database: DatabaseConfig, stripe_base: &str, stripe_key: bool) -> Settings {
    let mut s = billing_server::config::defaults().unwrap();
    s.bind_addr = "127.0.0.1:0".parse().unwrap();
    s.shared.database = database;
    s.shared.stripe_secret_key = stripe_key.then(|| SecretString::from("sk_test_fixture"));
    s.shared.stripe_api_base = stripe_base.to_owned();
    s.stripe_webhook_secrets = vec![SecretString::from(WEBHOOK_SECRET), SecretString::from(OLD_WEBHOOK_SECRET)];
    s.shared.stripe_prices = [
        ("solo".into(), Some("price_solo_monthly".into())),
        ("team".into(), Some("price_team_monthly".into())),
        ("enterprise".into(), Some("price_business_monthly".into())),
    ];
    s.jwt_secret = Some(SecretString::from(JWT_SECRET));
    s.app_base_url = "http://app.test".into();
    s
}

/// The workers' cadences in these tests: [`Cadence::brisk`].
pub fn cadence() -> Cadence {
    Cadence::brisk()
}

pub async fn database(store: Store) -> (DatabaseConfig, Option<tempfile::TempDir>) {
    match store {
        Store::Postgres => (DatabaseConfig::Postgres { url: billing_testkit::fresh_postgres_database().await }, None),
        Store::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let path: PathBuf = dir.path().join("billing.sqlite");
            (DatabaseConfig::Sqlite { path }, Some(dir))
        }
    }
}

pub async fn spawn_app(store: Store) -> TestApp {
    let (database, dir) = database(store).await;
    spawn_on(database, dir, true).await
}

pub async fn spawn_on(database: DatabaseConfig, dir: Option<tempfile::TempDir>, stripe_key: bool) -> TestApp {
    spawn_configured(database, dir, stripe_key, |_| {}).await
}

/// An app on the embedded store with `configure` adjusting its settings.
pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (database, dir) = database(Store::Sqlite).await;
    spawn_configured(database, dir, true, configure).await
}

/// Like [`spawn_on`], with `configure` adjusting the settings before the app is built.
pub async fn spawn_configured(
    database: DatabaseConfig,
    dir: Option<tempfile::TempDir>,
    stripe_key: bool,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_paced(database, dir, stripe_key, cadence(), configure).await
}

/// Like [`spawn_configured`], with the workers on `cadence`.
pub async fn spawn_paced(
    database: DatabaseConfig,
    dir: Option<tempfile::TempDir>,
    stripe_key: bool,
    cadence: Cadence,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        billing_server::telemetry::init(false);
    }
    let stripe = MockServer::start().await;
    let mut settings = settings(database.clone(), &stripe.uri(), stripe_key);
    configure(&mut settings);
    let app = Application::build_with(settings, cadence).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp { address, client: reqwest::Client::new(), stripe, database, _dir: dir }
}

/// Signs tokens under [`JWT_SECRET`] with the default policy.
pub fn authority() -> TokenAuthority {
    TokenAuthority::new(Some(SecretString::from(JWT_SECRET)), TokenPolicy::default())
}

/// Claims for `org` with `role`, expiring `exp_in` seconds from now, with no issue time yet.
pub fn claims(org: &str, role: Role, exp_in: i64) -> Claims {
    let exp = chrono::Utc::now().timestamp() + exp_in;
    Claims { sub: "user_1".into(), org_id: org.into(), role, email: None, exp, iat: None, iss: None, aud: None }
}

/// A token for `org` with `role`, issued now, expiring `exp_in` seconds from now (negative: already expired).
pub fn token(org: &str, role: Role, exp_in: i64) -> String {
    authority().issue(claims(org, role, exp_in), chrono::Utc::now()).unwrap().0
}

/// The fixtures were captured between August and October 2026; this instant of that timeline
/// (between the cancellation request and the period end) is moved to "now".
const FIXTURE_NOW: i64 = 1_790_700_000;

fn shift(value: &mut Value, delta: i64) {
    match value {
        Value::Number(n) => {
            if let Some(t) = n.as_i64().filter(|t| (1_700_000_000..1_900_000_000).contains(t)) {
                *value = Value::from(t + delta);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift(v, delta)),
        Value::Object(map) => map.values_mut().for_each(|v| shift(v, delta)),
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

/// A Stripe fixture with every timestamp moved so that the fixtures' timeline is current.
pub fn fixture_json(name: &str) -> Value {
    let path = format!("{}/../../fixtures/stripe/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_slice(&std::fs::read(path).expect("fixture exists")).expect("fixture is JSON");
    shift(&mut event, chrono::Utc::now().timestamp() - FIXTURE_NOW);
    event
}

/// The body of an event.
pub fn body(event: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(event).expect("serialisable")
}

/// A shifted fixture as a request body.
pub fn fixture(name: &str) -> Vec<u8> {
    body(&fixture_json(name))
}

pub fn sign(body: &[u8], secret: &str) -> String {
    billing_stripe::generate_test_header(body, secret, chrono::Utc::now().timestamp())
}

impl TestApp {
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn post_webhook(&self, body: &[u8], signature: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .post(format!("{}/api/webhooks/stripe", self.address))
            .header("Content-Type", "application/json")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("Stripe-Signature", s);
        }
        req.send().await.expect("request sent")
    }

    /// Posts a correctly signed delivery.
    pub async fn deliver(&self, body: &[u8]) -> reqwest::Response {
        self.post_webhook(body, Some(&sign(body, WEBHOOK_SECRET))).await
    }

    pub async fn subscription(&self, org: &str) -> Value {
        let res = self.get("/api/billing/subscription", Some(&token(org, Role::Member, 600))).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// Polls the subscription until `done` holds; background workers apply events.
    pub async fn subscription_when(&self, org: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..200 {
            last = self.subscription(org).await;
            if done(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("condition not reached; last subscription: {last}");
    }

    /// The ledger row of event `id`, read straight from the app's store.
    pub async fn ledger_entry(&self, id: &str) -> LedgerEntry {
        let (_, ledger) = billing_wiring::open_store(&self.database).await.unwrap();
        let id = billing_core::ids::StripeEventId::parse(id.to_owned()).unwrap();
        ledger.get(&id).await.unwrap().unwrap_or_else(|| panic!("event {id} is not in the ledger"))
    }

    pub async fn metrics(&self) -> String {
        self.get("/metrics", None).await.text().await.unwrap()
    }

    /// Waits until `n` events reached a final state (processed, ignored or stale), returning the metrics.
    pub async fn wait_for_finished_events(&self, n: u64) -> String {
        let finished = |metrics: &str| -> u64 {
            metrics
                .lines()
                .filter(|l| {
                    l.starts_with("billing_webhooks_finished_total{")
                        && !l.contains("outcome=\"failed\"")
                        && !l.contains("outcome=\"lease_lost\"")
                        && !l.contains("outcome=\"handed_back\"")
                })
                .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                .sum()
        };
        self.wait_for_metrics(|m| finished(m) >= n).await
    }

    /// Polls `/metrics` until `done` holds.
    pub async fn wait_for_metrics(&self, done: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..300 {
            last = self.metrics().await;
            if done(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("metrics never reached the expected state:\n{last}");
    }
}

/// Declares a test once per store.
#[macro_export]
macro_rules! both_stores {
    ($name:ident, $body:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                $body($crate::helpers::Store::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                $body($crate::helpers::Store::Postgres).await;
            }
        }
    };
}
