//! The real `billing-server` binary in demo mode, on its embedded Stripe simulator, driven over
//! HTTP: the harness reads the simulator's URL from the server's JSON log and signs its own tokens.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use billing_scenario::{Lifecycle, ServerApi, SimApi};
use billing_server::auth::{Claims, Role, TokenAuthority, TokenPolicy};
use secrecy::SecretString;
use serde_json::Value;

/// At least 32 bytes, as the server requires; configured, so the tests can sign tokens.
pub const JWT_SECRET: &str = "e2e-jwt-secret-NOT-A-REAL-SECRET-0123456789";

/// A running server binary; killed when dropped.
pub struct Server {
    child: Child,
    pub base_url: String,
    pub sim: SimApi,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fields of the first log line whose message is `message`, read while the rest of the log
/// is drained so the server never blocks on a full pipe.
pub fn ready_line(child: &mut Child, message: &'static str) -> Value {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let entry: Value = serde_json::from_str(&line).unwrap_or_default();
            if entry["fields"]["message"] == message {
                let _ = tx.send(entry["fields"].clone());
            }
            if std::env::var_os("E2E_LOG").is_some() {
                eprintln!("{line}");
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("the server logs `{message}` within a minute"))
}

/// A token for `role` of `org`, valid for a year of demo time.
pub fn token(org: &str, role: Role) -> String {
    let authority = TokenAuthority::new(Some(SecretString::from(JWT_SECRET)), TokenPolicy::default());
    let exp = chrono::Utc::now().timestamp() + 365 * 86_400;
    let claims = Claims { sub: format!("{org}_user"), org_id: org.into(), role, email: None, exp, iat: None, iss: None, aud: None };
    authority.issue(claims, chrono::Utc::now()).unwrap().0
}

impl Server {
    /// Starts the binary with `--demo` on a free loopback port and a fresh SQLite store.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_billing-server"))
            .arg("--demo")
            .env_clear()
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("billing.sqlite").display()))
            .env("JWT_SECRET", JWT_SECRET)
            .env("LOG_FORMAT", "json")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let ready = ready_line(&mut child, "demo ready");
        let base_url = ready["server"].as_str().unwrap().to_owned();
        let sim = SimApi::new(ready["simulator"].as_str().unwrap());
        Self { child, base_url, sim, _dir: dir }
    }

    /// The API as `role` of `org`.
    pub fn api(&self, org: &str, role: Role) -> ServerApi {
        ServerApi::new(self.base_url.clone(), token(org, role))
    }

    /// A lifecycle of `org`, acting as its owner.
    pub fn lifecycle(&self, org: &str) -> Lifecycle {
        Lifecycle::new(self.api(org, Role::Owner), self.sim.clone())
    }

    /// The counter or gauge `name`, summed over its series whose labels contain `label`.
    pub async fn metric(&self, name: &str, label: &str) -> u64 {
        metric(&self.base_url, name, label).await
    }

    /// The counter `name` over all its series.
    pub async fn counter(&self, name: &str) -> u64 {
        metric(&self.base_url, name, "").await
    }

    /// How many events the simulator has made (see [`sent_events`]).
    pub async fn sent_events(&self) -> u64 {
        sent_events(&self.sim).await
    }

    /// Waits until the counter `name` reaches `count`.
    pub async fn wait_for_counter(&self, name: &str, count: u64) {
        wait_for_metric(&self.base_url, name, "", |seen| seen >= count).await;
    }

    /// Waits until every event the simulator made was recorded and none is left to apply.
    pub async fn wait_until_every_event_is_applied(&self) {
        every_event_applied(&self.base_url, &self.sim).await;
    }
}

/// The counter or gauge `name` of the server at `base_url`, summed over its series whose labels
/// contain `label` (`""` for all of them).
pub async fn metric(base_url: &str, name: &str, label: &str) -> u64 {
    let text = reqwest::get(format!("{base_url}/metrics")).await.unwrap().text().await.unwrap();
    let series = text.lines().filter(|line| line.split(['{', ' ']).next() == Some(name) && line.contains(label));
    series.filter_map(|line| line.rsplit(' ').next()).map(|value| value.parse::<u64>().unwrap()).sum()
}

/// How many events the simulator has made, counting only the newest 100 (every scenario here
/// makes fewer). The server records every type, and applies those it handles.
pub async fn sent_events(sim: &SimApi) -> u64 {
    sim.event_types(100).await.unwrap().len() as u64
}

/// Waits (at most 40 s) until the metric `name` (series with `label`) satisfies `holds`.
pub async fn wait_for_metric(base_url: &str, name: &str, label: &str, holds: impl Fn(u64) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        let seen = metric(base_url, name, label).await;
        if holds(seen) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{name}{{{label}}} stayed at {seen}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many events the server at `base_url` finished for good: applied, ignored as a type it
/// does not handle, or found stale.
pub async fn finished_events(base_url: &str) -> u64 {
    let mut done = 0;
    for outcome in ["processed", "ignored", "stale"] {
        done += metric(base_url, "billing_webhooks_finished_total", &format!("outcome=\"{outcome}\"")).await;
    }
    done
}

/// Waits (at most 40 s) until the server at `base_url` recorded every event `sim` made and
/// finished each for good: applied, ignored as a type it does not handle, or found stale.
pub async fn every_event_applied(base_url: &str, sim: &SimApi) {
    let sent = sent_events(sim).await;
    wait_for_metric(base_url, "billing_webhooks_received_total", "", |seen| seen >= sent).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        let done = finished_events(base_url).await;
        if done >= sent {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{done} of {sent} events finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
