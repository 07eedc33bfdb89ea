//! The server in demo mode on its in-process Stripe simulator, with the simulator's test
//! helpers (complete a checkout, switch the saved card, advance the clock) and tokens.

use std::time::Duration;

use billing_server::auth::{Claims, Role, TokenAuthority, TokenPolicy};
use billing_server::config::Settings;
use billing_server::startup::Application;
use billing_server::workers::Cadence;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

/// The JWT secret the demo keeps, so tests can sign tokens of their own.
const JWT_SECRET: &str = "pages-test-jwt-secret-NOT-A-REAL-SECRET-0123";

pub struct RunningDemo {
    /// The server, `http://127.0.0.1:PORT`, which is also its `PUBLIC_URL`.
    pub address: String,
    pub sim: String,
    /// The simulator itself, to stop it as an outage would.
    pub stripe: stripe_sim::SimHandle,
    pub org: String,
    pub owner_token: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// A demo server on a free port and a temporary store.
pub async fn start() -> RunningDemo {
    start_with(|_| {}).await
}

/// A demo server as [`start`] makes it, with `adjust` applied to its settings first.
pub async fn start_with(adjust: impl FnOnce(&mut Settings)) -> RunningDemo {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = billing_server::config::defaults().unwrap();
    settings.bind_addr = "127.0.0.1:0".parse().unwrap();
    settings.shared.database = billing_server::config::DatabaseConfig::Sqlite { path: dir.path().join("billing.sqlite") };
    settings.jwt_secret = Some(SecretString::from(JWT_SECRET));
    settings.demo = true;
    adjust(&mut settings);
    let app = Application::build_with(settings, Cadence::brisk()).await.expect("the demo builds");
    let demo = app.demo().expect("demo mode keeps its demo");
    let running = RunningDemo {
        address: format!("http://127.0.0.1:{}", app.port()),
        sim: demo.sim.base_url.clone(),
        stripe: demo.sim.clone(),
        org: demo.org.clone(),
        owner_token: demo.owner_token.expose_secret().to_owned(),
        client: reqwest::Client::new(),
        _dir: dir,
    };
    assert_eq!(demo.public_url, running.address, "in demo mode the pages are at the bound address");
    tokio::spawn(app.run_until_stopped());
    running
}

impl RunningDemo {
    /// `path` on the server with `token` handed over in the fragment, as a host app links it.
    pub fn page(&self, path: &str, token: &str) -> String {
        format!("{}{path}#token={token}", self.address)
    }

    /// A token of the demo organization with `role`, expiring `exp_in` seconds from now and
    /// issued `age` seconds ago.
    pub fn token(&self, role: Role, exp_in: i64, age: i64) -> String {
        let now = chrono::Utc::now();
        let claims = Claims {
            sub: format!("user_{role:?}").to_lowercase(),
            org_id: self.org.clone(),
            role,
            email: None,
            exp: now.timestamp() + exp_in,
            iat: Some(now.timestamp() - age),
            iss: None,
            aud: None,
        };
        TokenAuthority::new(Some(SecretString::from(JWT_SECRET)), TokenPolicy::default()).sign(&claims).unwrap().0
    }

    /// A token signed with another secret, as a forger would make it.
    pub fn forged_token(&self) -> String {
        let claims = Claims {
            sub: "intruder".into(),
            org_id: self.org.clone(),
            role: Role::Owner,
            email: None,
            exp: chrono::Utc::now().timestamp() + 3600,
            iat: None,
            iss: None,
            aud: None,
        };
        let other = SecretString::from("another-secret-that-is-at-least-32-bytes-long");
        TokenAuthority::new(Some(other), TokenPolicy::default()).sign(&claims).unwrap().0
    }

    pub async fn api(&self, verb: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let response = self.api_response(verb, path, body).await;
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// The owner's request to `path`, answered whole, headers included.
    pub async fn api_response(&self, verb: reqwest::Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut request = self.client.request(verb, format!("{}{path}", self.address)).bearer_auth(&self.owner_token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// The status `path` answers `token`.
    pub async fn api_with(&self, token: &str, path: &str) -> u16 {
        self.client.get(format!("{}{path}", self.address)).bearer_auth(token).send().await.unwrap().status().as_u16()
    }

    pub async fn subscription(&self) -> Value {
        self.api(reqwest::Method::GET, "/api/billing/subscription", None).await.1
    }

    /// Polls the subscription until `done` holds: webhooks are applied in the background.
    pub async fn subscription_when(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..300 {
            last = self.subscription().await;
            if done(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the subscription never became {what}; last: {last}");
    }

    /// A test helper of the simulator; any `sk_` key opens it.
    pub async fn sim_post(&self, path: &str, form: &[(&str, String)]) -> Value {
        let response = self.client.post(format!("{}{path}", self.sim)).bearer_auth("sk_test_pages").form(form).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// Pays checkout session `id` with `card`; answers the simulator's `{checkout_session, redirect_url}`.
    pub async fn complete_checkout(&self, id: &str, card: &str) -> Value {
        self.sim_post(&format!("/v1/test_helpers/checkout/sessions/{id}/complete"), &[("card", card.to_owned())]).await
    }

    /// Buys `plan` through the API and pays it with 4242, then waits until it applies; answers
    /// the Stripe customer.
    pub async fn buy(&self, plan: &str) -> String {
        let (status, session) = self.api(reqwest::Method::POST, "/api/billing/checkout", Some(json!({"plan": plan}))).await;
        assert_eq!(status, 200, "{session}");
        let paid = self.complete_checkout(session["session_id"].as_str().unwrap(), "4242424242424242").await;
        self.subscription_when(&format!("active on {plan}"), |s| s["plan"] == plan && s["status"] == "active").await;
        paid["checkout_session"]["customer"].as_str().expect("the session names its customer").to_owned()
    }

    /// Replaces the customer's saved card (4242, 0341, 3184).
    pub async fn switch_card(&self, customer: &str, card: &str) {
        self.sim_post(&format!("/v1/test_helpers/customers/{customer}/card"), &[("card", card.to_owned())]).await;
    }

    /// Moves the simulator's clock, and with it the server's, `days` ahead.
    pub async fn advance_days(&self, days: i64) {
        let now = self.sim_post("/v1/test_helpers/test_clocks", &[("name", "pages".into())]).await["frozen_time"].as_i64().unwrap();
        let moved =
            self.sim_post("/v1/test_helpers/test_clocks/clock_pages/advance", &[("frozen_time", (now + days * 86_400).to_string())]).await;
        assert_eq!(moved["status"], "ready", "{moved}");
    }
}

/// An amount under $1,000 as the pages show it in the en-US locale the browser runs in, e.g. `$99.00`.
pub fn dollars(minor_units: i64) -> String {
    assert!((0..100_000).contains(&minor_units), "no thousands separator here: {minor_units}");
    format!("${}.{:02}", minor_units / 100, minor_units % 100)
}
