//! Hostile traffic mixed into the valid deliveries, from the same address as Stripe's (as
//! behind a load balancer): forged signatures, oversized bodies and slow-drip connections.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// What the attackers sent and how the server answered.
#[derive(Debug, Default)]
pub struct Tally {
    pub forged: AtomicUsize,
    pub forged_accepted: AtomicUsize,
    pub oversized: AtomicUsize,
    pub oversized_accepted: AtomicUsize,
    pub slow: AtomicUsize,
}

/// Attackers running until [`Attack::stop`].
#[derive(Debug)]
pub struct Attack {
    stop: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
    pub tally: Arc<Tally>,
}

impl Attack {
    /// Starts one forger, one oversized sender and `slow` slow-drip connections per port.
    pub fn start(ports: &[u16], slow: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        let mut tasks = Vec::new();
        for &port in ports {
            tasks.push(tokio::spawn(forge(port, stop.clone(), tally.clone())));
            tasks.push(tokio::spawn(oversize(port, stop.clone(), tally.clone())));
            for _ in 0..slow {
                tasks.push(tokio::spawn(drip(port, stop.clone(), tally.clone())));
            }
        }
        Self { stop, tasks, tally }
    }

    pub async fn stop(self) -> Arc<Tally> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            let _ = task.await;
        }
        self.tally
    }
}

async fn post(client: &reqwest::Client, port: u16, header: &str, body: Vec<u8>) -> Option<u16> {
    let url = format!("http://127.0.0.1:{port}/api/webhooks/stripe");
    let sent = client.post(url).header("Content-Type", "application/json").header("Stripe-Signature", header).body(body).send().await;
    sent.ok().map(|r| r.status().as_u16())
}

/// Deliveries with a well-formed but wrong signature, as fast as the server answers.
async fn forge(port: u16, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let client = reqwest::Client::new();
    while !stop.load(Ordering::Relaxed) {
        let header = format!("t={},v1={}", chrono::Utc::now().timestamp(), "0".repeat(64));
        let status = post(&client, port, &header, br#"{"id":"evt_forged","object":"event"}"#.to_vec()).await;
        tally.forged.fetch_add(1, Ordering::Relaxed);
        if status == Some(200) {
            tally.forged_accepted.fetch_add(1, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two-mebibyte bodies, over the endpoint's limit.
async fn oversize(port: u16, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let client = reqwest::Client::new();
    while !stop.load(Ordering::Relaxed) {
        let header = format!("t={},v1={}", chrono::Utc::now().timestamp(), "1".repeat(64));
        let status = post(&client, port, &header, vec![b' '; 2 << 20]).await;
        tally.oversized.fetch_add(1, Ordering::Relaxed);
        if status == Some(200) {
            tally.oversized_accepted.fetch_add(1, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A connection that sends its head, then one body byte a second, reconnecting when closed.
async fn drip(port: u16, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)).await else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        tally.slow.fetch_add(1, Ordering::Relaxed);
        let head = format!(
            "POST /api/webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nStripe-Signature: t={},v1={}\r\nContent-Length: 100000\r\n\r\n",
            chrono::Utc::now().timestamp(),
            "2".repeat(64)
        );
        if conn.write_all(head.as_bytes()).await.is_err() {
            continue;
        }
        while !stop.load(Ordering::Relaxed) && conn.write_all(b" ").await.is_ok() {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
