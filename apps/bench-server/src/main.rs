//! `billing-bench-server`: the release `billing-server` under a keep-alive load of signed Stripe
//! deliveries at several concurrencies, each on a fresh database and server process, beside
//! pgbench's rate for the same per-event writes on the same Postgres. Prints a markdown table of
//! ingest and apply rates, latency, CPU per event and peak memory (see docs/benchmarks.md).

mod deliveries;
mod ledger;
mod load;
mod pgbench;
mod report;
mod scenario;
mod target;
mod usage;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use billing_testkit::stripe_events::Templates;
use clap::{Parser, ValueEnum};

use crate::target::{Postgres, Target};

/// Deliveries between an organization's snapshot and its failed invoice, at least.
const MIN_LAG: usize = 256;

/// Where the server keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Store {
    Postgres,
    Sqlite,
}

/// Server benchmark: ingest and apply rates beside the database's own limit.
#[derive(Debug, Parser)]
struct Args {
    /// The store the server runs on; pgbench's baseline needs Postgres.
    #[arg(long, value_enum, default_value_t = Store::Postgres)]
    store: Store,
    /// A Postgres server to use instead of a throwaway cluster (its role needs CREATEDB).
    #[arg(long)]
    database_url: Option<String>,
    /// Deliveries in flight, one scenario each.
    #[arg(long, value_delimiter = ',', default_value = "4,16,32")]
    concurrency: Vec<usize>,
    /// Deliveries per scenario, at most.
    #[arg(long, default_value_t = 20_000)]
    events: usize,
    /// Seconds a scenario sends for, at most.
    #[arg(long, default_value_t = 30)]
    secs: u64,
    /// Organizations the deliveries are spread over.
    #[arg(long, default_value_t = 10_000)]
    orgs: usize,
    /// Webhook workers of the server; its default when omitted.
    #[arg(long)]
    workers: Option<usize>,
    /// Seconds to wait for the backlog to drain after sending, at most.
    #[arg(long, default_value_t = 120)]
    drain_secs: u64,
    /// Seconds each pgbench script runs.
    #[arg(long, default_value_t = 10)]
    pgbench_secs: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.concurrency.iter().all(|&c| c > 0), "--concurrency takes positive numbers");
    anyhow::ensure!(args.store == Store::Postgres || args.database_url.is_none(), "--database-url is for --store postgres");
    let dir = tempfile::Builder::new().prefix("billing-bench-server-").tempdir().context("cannot create a temporary directory")?;
    // Dropping the run stops the server and Postgres it started, also on Ctrl-C or SIGTERM.
    tokio::select! {
        result = run(&args, dir.path()) => {
            if result.is_err() {
                // The server's and Postgres's logs explain most failures; keep them.
                eprintln!("server and Postgres logs kept in {}", dir.keep().display());
            }
            result
        }
        signal = stopped() => signal.and_then(|()| anyhow::bail!("interrupted")),
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn stopped() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => Ok(interrupted?),
        _ = term.recv() => Ok(()),
    }
}

async fn run(args: &Args, dir: &std::path::Path) -> anyhow::Result<()> {
    let templates = Templates::load()?;
    let target = match args.store {
        Store::Postgres => Target::Postgres(Postgres::start(args.database_url.as_deref(), dir).await?),
        Store::Sqlite => Target::Sqlite(dir.to_owned()),
    };
    let baseline = match &target {
        Target::Postgres(pg) => Some(baseline(pg, args, &templates, dir).await?),
        Target::Sqlite(_) => None,
    };
    let settings = scenario::Settings {
        send_limit: Duration::from_secs(args.secs),
        drain_limit: Duration::from_secs(args.drain_secs),
        workers: args.workers,
    };
    let mut rows = Vec::new();
    for &concurrency in &args.concurrency {
        let bodies = Arc::new(deliveries::generate(&templates, &spec(args, concurrency))?);
        rows.push(scenario::run(&target, bodies, concurrency, &settings, dir).await?);
    }
    print_results(args, &target, &rows, baseline.as_ref());
    Ok(())
}

fn spec(args: &Args, concurrency: usize) -> deliveries::Spec {
    deliveries::Spec {
        events: args.events,
        orgs: args.orgs,
        lag: MIN_LAG.max(4 * concurrency),
        tag: format!("c{concurrency}"),
        now: chrono::Utc::now().timestamp(),
    }
}

/// pgbench with 16 clients on 2 threads on its own fresh database, a generated failed-invoice
/// delivery as the payload.
async fn baseline(pg: &Postgres, args: &Args, templates: &Templates, dir: &std::path::Path) -> anyhow::Result<pgbench::Baseline> {
    let now = chrono::Utc::now().timestamp();
    let sample = deliveries::Spec { events: MIN_LAG + 1, orgs: args.orgs, lag: MIN_LAG, tag: "pgbench".into(), now };
    let bodies = deliveries::generate(templates, &sample)?;
    let payload = bodies.last().map(|b| String::from_utf8_lossy(b).into_owned()).context("no sample delivery")?;
    let url = pg.create("pgbench").await?;
    let options = pgbench::Options { clients: 16, threads: 2, secs: args.pgbench_secs };
    let measured = pgbench::measure(&url, &payload, &options, dir).await;
    pg.drop_database("pgbench").await?;
    measured
}

fn print_results(args: &Args, target: &Target, rows: &[report::Row], baseline: Option<&pgbench::Baseline>) {
    let store = match target {
        Target::Postgres(pg) => format!("Postgres, {}", pg.describe()),
        Target::Sqlite(_) => "embedded SQLite store".to_owned(),
    };
    let workers = args.workers.map_or_else(|| "default".to_owned(), |w| w.to_string());
    println!(
        "\nbilling-server on {store}; {workers} workers; up to {} deliveries or {} s per scenario; {} organizations\n",
        args.events, args.secs, args.orgs
    );
    println!("{}", report::table(rows, baseline));
    if let Some(b) = baseline {
        println!(
            "\npgbench, same server, 16 clients, 2 threads, {} s: {} tps with insert and update in one transaction, {} tps in two",
            args.pgbench_secs,
            report::grouped(b.one_transaction),
            report::grouped(b.two_transactions)
        );
    }
}
