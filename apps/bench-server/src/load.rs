//! The load generator: `concurrency` tasks on one keep-alive client, each sending the next
//! delivery as soon as its previous one is answered, until the deliveries or the time run out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use billing_testkit::server::post_signed_delivery;
use hdrhistogram::Histogram;

/// The slowest latency recorded exactly, in microseconds; slower ones count as this.
const MAX_LATENCY_US: u64 = 120_000_000;

/// What sending produced.
#[derive(Debug)]
pub struct Outcome {
    /// Deliveries answered 200: recorded in the ledger.
    pub acknowledged: u64,
    /// Deliveries answered with another status.
    pub refused: u64,
    /// Deliveries that got no answer (connection errors, timeouts).
    pub failed: u64,
    /// Latency of the 200s, in microseconds.
    pub latency: Histogram<u64>,
    /// From the first delivery's start to the last answer.
    pub elapsed: Duration,
}

/// One task's share of the outcome.
struct Tally {
    acknowledged: u64,
    refused: u64,
    failed: u64,
    latency: Histogram<u64>,
}

fn histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).map_err(|e| anyhow::anyhow!("cannot create a latency histogram: {e:?}"))
}

/// Sends `bodies` in order to the server on `port` from `concurrency` tasks, stopping early once
/// `limit` has passed since the start.
///
/// # Errors
/// When the client cannot be built or a task panics.
pub async fn run(port: u16, bodies: Arc<Vec<Vec<u8>>>, concurrency: usize, limit: Duration) -> anyhow::Result<Outcome> {
    // One connection per task, kept alive between deliveries as Stripe's senders do.
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).timeout(Duration::from_secs(30)).build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, bodies, next) = (client.clone(), bodies.clone(), next.clone());
        let latency = histogram()?;
        tasks.push(tokio::spawn(async move { sender(client, port, &bodies, &next, started + limit, latency).await }));
    }
    let mut outcome = Outcome { acknowledged: 0, refused: 0, failed: 0, latency: histogram()?, elapsed: Duration::ZERO };
    for task in tasks {
        let tally = task.await.context("a sender task panicked")?;
        outcome.acknowledged += tally.acknowledged;
        outcome.refused += tally.refused;
        outcome.failed += tally.failed;
        outcome.latency.add(&tally.latency).map_err(|e| anyhow::anyhow!("cannot merge latency histograms: {e:?}"))?;
    }
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

/// Sends deliveries one at a time, taking the next unsent one each time, until none is left or
/// `deadline` passes.
async fn sender(
    client: reqwest::Client,
    port: u16,
    bodies: &[Vec<u8>],
    next: &AtomicUsize,
    deadline: Instant,
    latency: Histogram<u64>,
) -> Tally {
    let mut tally = Tally { acknowledged: 0, refused: 0, failed: 0, latency };
    while Instant::now() < deadline {
        let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
        let sent = Instant::now();
        match post_signed_delivery(&client, port, body).await {
            Ok(status) if status == reqwest::StatusCode::OK => {
                tally.acknowledged += 1;
                let us = u64::try_from(sent.elapsed().as_micros()).unwrap_or(MAX_LATENCY_US);
                tally.latency.saturating_record(us.max(1));
            }
            Ok(_) => tally.refused += 1,
            Err(_) => tally.failed += 1,
        }
    }
    tally
}
