//! `billing-chaos`: two server instances on one durable throwaway Postgres receive a shuffled,
//! partly duplicated stream of signed deliveries; one instance is killed mid-stream and the
//! database crashes once; every delivery without a 200 is sent again. The verdict line says
//! whether any acknowledged event was lost, any event applied twice, or any organization left
//! in another state than its newest snapshot's.

mod deliver;
mod hostile;
mod stream;
mod verdict;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use billing_testkit::server::{ServerOptions, ServerProcess};
use clap::Parser;
use rand::SeedableRng;

/// Chaos run of the billing server.
#[derive(Debug, Parser)]
struct Args {
    /// Distinct events to generate.
    #[arg(long, default_value_t = 10_000)]
    events: usize,
    /// Organizations they are spread over.
    #[arg(long, default_value_t = 300)]
    orgs: usize,
    /// Share of events delivered twice.
    #[arg(long, default_value_t = 0.2)]
    duplicates: f64,
    /// Seed of the stream, the delivery order and the instance choice; random when omitted.
    #[arg(long)]
    seed: Option<u64>,
    /// Mix forged, oversized and slow-drip requests into the deliveries.
    #[arg(long)]
    hostile: bool,
    /// Seconds to wait for the ledger to drain after the last acknowledgement.
    #[arg(long, default_value_t = 600)]
    drain_secs: u64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(rand::random);
    let started = Instant::now();
    let dir = tempfile::Builder::new().prefix("billing-chaos-").tempdir()?;
    let cluster = Arc::new(billing_testkit::OwnedCluster::start(&dir.path().join("pg")).context("starting Postgres")?);
    let admin = sqlx::PgPool::connect(&cluster.url("postgres")).await?;
    sqlx::query("CREATE DATABASE billing_chaos").execute(&admin).await?;
    admin.close().await;
    let url = cluster.url("billing_chaos");
    let mut instances = [instance("a", &url, dir.path()).await?, instance("b", &url, dir.path()).await?];
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (events, expected) = stream::generate(&billing_testkit::stripe_events::Templates::load()?, args.orgs, args.events, &mut rng);
    let order = deliver::plan(events.len(), args.duplicates, &mut rng);
    println!("seed={seed} events={} orgs={} deliveries={}", events.len(), expected.len(), order.len());
    let attack = args.hostile.then(|| hostile::Attack::start(&[instances[0].port(), instances[1].port()], 20));
    let report = deliver::run(&events, order, &mut instances, cluster.clone(), &mut rng).await?;
    println!("{report:?}");
    let mut hostile_accepted = 0;
    if let Some(attack) = attack {
        let tally = attack.stop().await;
        println!("{tally:?}");
        hostile_accepted = tally.forged_accepted.load(std::sync::atomic::Ordering::Relaxed)
            + tally.oversized_accepted.load(std::sync::atomic::Ordering::Relaxed);
    }
    let pool = sqlx::PgPool::connect(&url).await?;
    let open = verdict::drain(&pool, Duration::from_secs(args.drain_secs)).await?;
    let v = verdict::check(&pool, &events, &expected).await?;
    pool.close().await;
    drop(instances);
    for line in &v.examples {
        println!("  {line}");
    }
    println!(
        "seed={seed} secs={:.0} unacknowledged={} rate_limited_valid={} hostile_accepted={hostile_accepted} still_open={open} lost={} double_applied={} mismatched={}",
        started.elapsed().as_secs_f64(),
        report.unacknowledged,
        report.rate_limited,
        v.lost,
        v.double_applied,
        v.mismatched
    );
    if !v.clean() || report.unacknowledged > 0 || report.rate_limited > 0 || hostile_accepted > 0 || open > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// One server instance on `url` with two workers and the stream's prices.
async fn instance(name: &str, url: &str, dir: &std::path::Path) -> anyhow::Result<ServerProcess> {
    let mut options = ServerOptions::new(name, url, dir)?;
    options.workers = Some(2);
    options.prices = stream::PRICES.iter().map(|(price, plan)| ((*plan).to_owned(), (*price).to_owned())).collect();
    ServerProcess::start(options).await
}
