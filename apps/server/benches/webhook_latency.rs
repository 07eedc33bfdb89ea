//! Measures how long after its 200 a webhook's effect is visible through the API, on the
//! embedded store, with the real application on a random port. A harness, not a timed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use billing_server::auth::{Claims, Role, TokenAuthority, TokenPolicy};
use billing_server::config::{DatabaseConfig, Settings};
use billing_server::startup::Application;
use billing_server::workers::Cadence;
use secrecy::SecretString;
use serde_json::Value;

const SECRET: &str = "whsec_bench";
/// At least 32 bytes, as the server requires.
const JWT: &str = "bench-jwt-secret-NOT-A-REAL-SECRET-0123";

fn settings(path: std::path::PathBuf) -> Settings {
    let mut s = billing_server::config::defaults().unwrap();
    s.bind_addr = "127.0.0.1:0".parse().unwrap();
    s.shared.database = DatabaseConfig::Sqlite { path };
    s.stripe_webhook_secrets = vec![SecretString::from(SECRET)];
    s.shared.stripe_prices[1].1 = Some("price_team_monthly".into());
    s.shared.stripe_prices[2].1 = Some("price_business_monthly".into());
    s.jwt_secret = Some(SecretString::from(JWT));
    s
}

/// A plan-change event for organization `org_bench_{i}` created now.
fn event(i: usize) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/stripe/customer.subscription.updated.plan_change.json");
    let mut e: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    e["id"] = format!("evt_bench_{i}").into();
    e["created"] = chrono::Utc::now().timestamp().into();
    let object = &mut e["data"]["object"];
    object["id"] = format!("sub_bench_{i}").into();
    object["customer"] = format!("cus_bench_{i}").into();
    object["metadata"]["org_id"] = format!("org_bench_{i}").into();
    serde_json::to_vec(&e).unwrap()
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let app = Application::build_with(settings(dir.path().join("b.sqlite")), Cadence::default()).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let authority = TokenAuthority::new(Some(SecretString::from(JWT)), TokenPolicy::default());
    let mut latencies = Vec::with_capacity(runs);
    for i in 0..runs {
        let body = event(i);
        let header = billing_stripe::generate_test_header(&body, SECRET, chrono::Utc::now().timestamp());
        let res = client.post(format!("{base}/api/webhooks/stripe")).header("Stripe-Signature", header).body(body).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let acked = Instant::now();
        let claims = Claims {
            sub: "bench".into(),
            org_id: format!("org_bench_{i}"),
            role: Role::Member,
            email: None,
            exp: chrono::Utc::now().timestamp() + 600,
            iat: None,
            iss: None,
            aud: None,
        };
        let token = authority.issue(claims, chrono::Utc::now()).unwrap().0;
        loop {
            let s: Value =
                client.get(format!("{base}/api/billing/subscription")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
            if s["plan"] == "enterprise" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(acked.elapsed());
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "webhook 200 -> visible in the API, embedded store, {runs} events: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(pick(0.5)),
        ms(pick(0.95)),
        ms(pick(1.0))
    );
}
