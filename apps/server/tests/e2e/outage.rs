//! EC-9 with a real outage: the server binary killed while Stripe sends, then started again on
//! the same port and store; the simulator's retries bring what it missed.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use billing_scenario::{ServerApi, SimApi, TestCard};
use billing_server::auth::Role;
use stripe_sim::{SimConfig, SimHandle, Simulator};

use crate::harness::{every_event_applied, ready_line, token, JWT_SECRET};

const KEY: &str = "sk_test_e2e_outage";

/// The server binary pointed at `sim`, listening on `port` with the store in `dir`.
fn start_server(sim: &SimHandle, secret: &str, port: u16, dir: &std::path::Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_billing-server"))
        .env_clear()
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", format!("sqlite://{}", dir.join("billing.sqlite").display()))
        .env("JWT_SECRET", JWT_SECRET)
        .env("LOG_FORMAT", "json")
        .env("STRIPE_SECRET_KEY", KEY)
        .env("STRIPE_API_BASE", &sim.base_url)
        .env("STRIPE_WEBHOOK_SECRET", secret)
        .env("STRIPE_PRICE_SOLO", "price_solo_monthly")
        .env("STRIPE_PRICE_TEAM", "price_team_monthly")
        .env("STRIPE_PRICE_ENTERPRISE", "price_enterprise_monthly")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    ready_line(&mut child, "billing server listening");
    child
}

/// Registers the server's future URL with the simulator; answers the signing secret.
async fn register(sim: &SimApi, port: u16) -> String {
    let url = format!("http://127.0.0.1:{port}/api/webhooks/stripe");
    let endpoint = sim.post_form("/v1/webhook_endpoints", &[("url", url), ("enabled_events[]", "*".into())]).await.unwrap();
    endpoint["secret"].as_str().unwrap().to_owned()
}

/// A port nothing listens on now; another process could take it before the server binds it,
/// which would fail the start loudly rather than the test quietly.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn stop(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Stands in for the stopped server on `port`: accepts the first delivery attempt and closes
/// it unanswered, which the simulator counts as a failed attempt. Answers once one was refused.
async fn refuse_one_delivery(listener: std::net::TcpListener) {
    let refused = tokio::task::spawn_blocking(move || {
        let (connection, _) = listener.accept().unwrap();
        drop(connection);
    });
    tokio::time::timeout(Duration::from_secs(20), refused).await.expect("Stripe tried to deliver while the server was down").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec9_what_stripe_sent_while_the_server_was_down_is_applied_when_it_is_back() {
    let retries = [500, 1_000, 2_000, 4_000, 8_000].map(Duration::from_millis).to_vec();
    let handle = Simulator::start(SimConfig { retry_schedule: retries, ..SimConfig::default() }).unwrap();
    let sim = SimApi::new(handle.base_url.clone());
    let (dir, port) = (tempfile::tempdir().unwrap(), free_port());
    let secret = register(&sim, port).await;
    let server = start(&handle, &secret, port, dir.path()).await;
    let api = ServerApi::new(format!("http://127.0.0.1:{port}"), token("org_e2e_outage", Role::Owner));
    let session = api.checkout("team").await.unwrap();
    sim.complete_checkout(&session, TestCard::Succeeds).await.unwrap();
    api.wait_until("team", |s| s.plan == "team" && s.status == "active").await.unwrap();
    // The outage starts once the server is idle. A server killed while it applies an event leaves
    // that event's lease, and the organization's later events wait out its 30 s.
    every_event_applied(&format!("http://127.0.0.1:{port}"), &sim).await;

    stop(server);
    let down = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let subscription =
        sim.get_json(&format!("/v1/checkout/sessions/{session}")).await.unwrap()["subscription"].as_str().unwrap().to_owned();
    sim.delete(&format!("/v1/subscriptions/{subscription}")).await.unwrap();
    refuse_one_delivery(down).await;
    let _server = Restarted(start(&handle, &secret, port, dir.path()).await);

    let ended = match api.wait_until("free after the redelivered deletion", |s| s.plan == "free").await {
        Ok(ended) => ended,
        Err(error) => panic!("{error}; Stripe's newest events: {}", sim.get_json("/v1/events?limit=3").await.unwrap()),
    };
    assert_eq!(ended.status, "canceled");
}

/// Starts the server without blocking the runtime the simulator runs on.
async fn start(sim: &SimHandle, secret: &str, port: u16, dir: &std::path::Path) -> Child {
    let (sim, secret, dir) = (sim.clone(), secret.to_owned(), dir.to_owned());
    tokio::task::spawn_blocking(move || start_server(&sim, &secret, port, &dir)).await.unwrap()
}

/// Kills the restarted server when the test ends, however it ends.
struct Restarted(Child);

impl Drop for Restarted {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
