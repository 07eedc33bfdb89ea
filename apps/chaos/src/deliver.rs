//! Delivering the stream as Stripe would: shuffled, partly duplicated, to either instance, and
//! every delivery without a 200 sent again; with one instance killed and the database crashed
//! while deliveries are in flight.

use std::sync::Arc;
use std::time::Duration;

use billing_testkit::server::{post_signed_delivery, ServerProcess};
use billing_testkit::OwnedCluster;
use futures_util::stream::{self, StreamExt};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::stream::Event;

/// Deliveries in flight at once.
const IN_FLIGHT: usize = 16;
/// Deliveries per step; faults happen between steps, the database crash during one.
const STEP: usize = 250;
/// Rounds of re-sending before the run gives up on a delivery.
const MAX_ROUNDS: usize = 300;

/// What delivering took.
#[derive(Debug, Default)]
pub struct Report {
    pub attempts: usize,
    pub refused: usize,
    pub rounds: usize,
    pub unacknowledged: usize,
    /// Valid deliveries answered 429: must stay zero, whatever else the address sent.
    pub rate_limited: usize,
}

/// Event indexes in delivery order: every event once, `duplicates` of them twice, shuffled.
pub fn plan(events: usize, duplicates: f64, rng: &mut StdRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..events).collect();
    order.extend((0..events).filter(|_| rng.gen_bool(duplicates.clamp(0.0, 1.0))));
    order.shuffle(rng);
    order
}

async fn send(client: &reqwest::Client, port: u16, event: &Event) -> Option<u16> {
    post_signed_delivery(client, port, &event.body).await.ok().map(|status| status.as_u16())
}

/// Sends `batch` spread over `ports`, returning the deliveries that got no 200.
async fn send_batch(client: &reqwest::Client, events: &[Event], batch: Vec<(usize, u16)>, report: &mut Report) -> Vec<usize> {
    let answers: Vec<(usize, Option<u16>)> = stream::iter(batch)
        .map(|(i, port)| async move { (i, send(client, port, &events[i]).await) })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    report.rate_limited += answers.iter().filter(|(_, status)| *status == Some(429)).count();
    answers.into_iter().filter(|(_, status)| *status != Some(200)).map(|(i, _)| i).collect()
}

/// Delivers `order`, killing instance 0 at 30 % and crashing the database at 60 %.
///
/// # Errors
/// When a killed instance or the database cannot be restarted.
pub async fn run(
    events: &[Event],
    order: Vec<usize>,
    instances: &mut [ServerProcess; 2],
    cluster: Arc<OwnedCluster>,
    rng: &mut StdRng,
) -> anyhow::Result<Report> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(15)).build()?;
    let mut report = Report::default();
    let (kill_at, crash_at) = (order.len() * 3 / 10, order.len() * 6 / 10);
    let mut pending = Vec::new();
    let mut killed = false;
    for (n, chunk) in order.chunks(STEP).enumerate() {
        let done = n * STEP;
        let ports: Vec<u16> = instances.iter().map(ServerProcess::port).collect();
        let batch: Vec<(usize, u16)> = chunk.iter().map(|&i| (i, ports[rng.gen_range(0..2)])).collect();
        report.attempts += batch.len();
        if killed {
            instances[0].restart().await?;
            println!("instance {} restarted", instances[0].options.name);
            killed = false;
        }
        if done >= kill_at && done < kill_at + STEP {
            instances[0].kill();
            println!("instance {} killed (SIGKILL) after {done} deliveries", instances[0].options.name);
            killed = true;
        }
        let crash = (done >= crash_at && done < crash_at + STEP).then(|| {
            let cluster = cluster.clone();
            println!("database crashing (immediate stop) after {done} deliveries");
            tokio::task::spawn_blocking(move || cluster.crash_and_restart())
        });
        pending.extend(send_batch(&client, events, batch, &mut report).await);
        if let Some(crash) = crash {
            crash.await??;
            println!("database restarted");
        }
    }
    if killed {
        instances[0].restart().await?;
    }
    report.refused = pending.len();
    resend(&client, events, instances, pending, &mut report, rng).await;
    Ok(report)
}

/// Re-sends what got no 200, once a second, as Stripe's retries would.
async fn resend(
    client: &reqwest::Client,
    events: &[Event],
    instances: &[ServerProcess; 2],
    mut pending: Vec<usize>,
    report: &mut Report,
    rng: &mut StdRng,
) {
    while !pending.is_empty() && report.rounds < MAX_ROUNDS {
        report.rounds += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let batch: Vec<(usize, u16)> = pending.iter().map(|&i| (i, instances[rng.gen_range(0..2)].port())).collect();
        report.attempts += batch.len();
        pending = send_batch(client, events, batch, report).await;
    }
    report.unacknowledged = pending.len();
}
