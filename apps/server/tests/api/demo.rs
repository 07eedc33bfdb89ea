//! Demo mode: the server on its embedded Stripe simulator, bought through and driven by time.

use std::time::Duration;

use billing_server::auth::Role;
use billing_server::startup::Application;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::helpers::{cadence, database, token, Store, JWT_SECRET};

/// What a test needs of a running demo.
struct RunningDemo {
    address: String,
    sim: String,
    org: String,
    owner_token: String,
    client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

/// Settings as a fresh machine has them, on port 0 and a temporary store, with demo mode on.
async fn demo_settings() -> (billing_server::config::Settings, Option<tempfile::TempDir>) {
    let (db, dir) = database(Store::Sqlite).await;
    let mut settings = billing_server::config::defaults().unwrap();
    settings.bind_addr = "127.0.0.1:0".parse().unwrap();
    settings.shared.database = db;
    settings.demo = true;
    (settings, dir)
}

async fn start(configure: impl FnOnce(&mut billing_server::config::Settings)) -> RunningDemo {
    let (mut settings, dir) = demo_settings().await;
    configure(&mut settings);
    let app = Application::build_with(settings, cadence()).await.expect("the demo builds");
    let demo = app.demo().expect("demo mode keeps its demo");
    let running = RunningDemo {
        address: format!("http://127.0.0.1:{}", app.port()),
        sim: demo.sim.base_url.clone(),
        org: demo.org.clone(),
        owner_token: demo.owner_token.expose_secret().to_owned(),
        client: reqwest::Client::new(),
        _dir: dir,
    };
    assert_eq!(demo.base_url, running.address);
    tokio::spawn(app.run_until_stopped());
    running
}

impl RunningDemo {
    async fn subscription(&self, token: &str) -> (u16, Value) {
        let res = self.client.get(format!("{}/api/billing/subscription", self.address)).bearer_auth(token).send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
    }

    /// Opens a team checkout through the API with the owner token, completes it with 4242
    /// through the simulator's helper, and waits (bounded) until the signed webhooks put the
    /// organization on the plan.
    async fn buy_team_with_4242(&self) {
        let res = self
            .client
            .post(format!("{}/api/billing/checkout", self.address))
            .bearer_auth(&self.owner_token)
            .json(&json!({"plan": "team"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let session: Value = res.json().await.unwrap();
        let id = session["session_id"].as_str().expect("a session id");
        self.sim_post(&format!("/v1/test_helpers/checkout/sessions/{id}/complete"), &[("card", "4242424242424242".into())]).await;
        let mut last = Value::Null;
        for _ in 0..200 {
            last = self.subscription(&self.owner_token).await.1;
            if last["plan"] == "team" && last["status"] == "active" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} never reached the team plan; last: {last}", self.org);
    }

    /// A test helper of the simulator; any `sk_` key opens it.
    async fn sim_post(&self, path: &str, form: &[(&str, String)]) -> Value {
        let res = self.client.post(format!("{}{path}", self.sim)).bearer_auth("sk_test_x").form(form).send().await.unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_checkout_paid_with_4242_puts_the_demo_organization_on_the_plan() {
    let demo = start(|_| {}).await;
    let (status, before) = demo.subscription(&demo.owner_token).await;
    assert_eq!((status, before["plan"].as_str()), (200, Some("free")), "{before}");

    demo.buy_team_with_4242().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_key_in_demo_mode_is_refused_before_anything_starts() {
    let (mut settings, _dir) = demo_settings().await;
    settings.shared.stripe_secret_key = Some(SecretString::from(format!("sk_{}_DEMO-REFUSED", "live")));
    let err = Application::build_with(settings, cadence()).await.expect_err("a live key is refused").to_string();
    assert!(err.contains("STRIPE_SECRET_KEY") && !err.contains("DEMO-REFUSED"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advancing_the_simulators_clock_moves_the_servers_clock_and_webhooks_still_verify() {
    let demo = start(|s| s.jwt_secret = Some(SecretString::from(JWT_SECRET))).await;
    let hour = token(&demo.org, Role::Member, 3600);
    assert_eq!(demo.subscription(&hour).await.0, 200, "the configured JWT secret is kept");

    let now = demo.sim_post("/v1/test_helpers/test_clocks", &[("name", "demo".into())]).await["frozen_time"].as_i64().unwrap();
    let moved = demo.sim_post("/v1/test_helpers/test_clocks/clock_x/advance", &[("frozen_time", (now + 2 * 86_400).to_string())]).await;
    assert_eq!(moved["status"], "ready");

    let (status, body) = demo.subscription(&hour).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("token_expired")), "{body}");
    assert_eq!(demo.subscription(&demo.owner_token).await.0, 200, "the demo's own token outlives the advance");
    // Signatures carry real time while billing time is two days ahead; deliveries still verify.
    demo.buy_team_with_4242().await;
}
