//! One scenario: a fresh database and a fresh server process (so CPU and peak memory are the
//! scenario's own), the deliveries sent at one concurrency, the ledger drained, the figures read.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use billing_testkit::server::{ServerOptions, ServerProcess};

use crate::deliveries::PRICES;
use crate::ledger::Ledger;
use crate::load::{self, Outcome};
use crate::report::Row;
use crate::target::Target;
use crate::usage::{self, Usage};

/// Ledger statuses of events applied for good (`dead` is finished too, but not applied).
const APPLIED: [&str; 3] = ["processed", "ignored", "stale"];

/// What every scenario of a run shares.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The longest a scenario sends for.
    pub send_limit: Duration,
    /// The longest a scenario waits for the backlog to drain once sending is over.
    pub drain_limit: Duration,
    /// `BILLING_WORKERS`; the server's default when `None`.
    pub workers: Option<usize>,
}

/// Runs one scenario at `concurrency` and drops its database afterwards, whatever happened.
///
/// # Errors
/// When the server cannot be started, the database cannot be read, or the server dies.
pub async fn run(target: &Target, bodies: Arc<Vec<Vec<u8>>>, concurrency: usize, s: &Settings, dir: &Path) -> anyhow::Result<Row> {
    let label = format!("c{concurrency}");
    let url = target.fresh(&label).await?;
    let row = measure(&label, &url, bodies, concurrency, s, dir).await;
    let discarded = target.discard(&label).await;
    let row = row?;
    discarded?;
    Ok(row)
}

async fn measure(label: &str, url: &str, bodies: Arc<Vec<Vec<u8>>>, concurrency: usize, s: &Settings, dir: &Path) -> anyhow::Result<Row> {
    let mut options = ServerOptions::new(&format!("server-{label}"), url, dir)?;
    options.workers = s.workers;
    options.prices = PRICES.iter().map(|(plan, price)| ((*plan).to_owned(), (*price).to_owned())).collect();
    let server = ServerProcess::start(options).await?;
    let pid = server.pid().context("the server is not running")?;
    let ledger = Ledger::connect(url).await?;
    let before = usage::read(pid)?;
    let started = Instant::now();
    let sent = load::run(server.port(), bodies, concurrency, s.send_limit).await?;
    let (drained_at, left) = ledger.drain(s.drain_limit).await?;
    let after = usage::read(pid).context("the server died during the scenario")?;
    let statuses = ledger.statuses().await?;
    ledger.close().await;
    drop(server);
    let applied: i64 = statuses.iter().filter(|(status, _)| APPLIED.contains(&status.as_str())).map(|(_, n)| n).sum();
    print_summary(concurrency, &sent, &statuses, drained_at.duration_since(started));
    Ok(row(concurrency, &sent, applied, left, drained_at.duration_since(started), (&before, &after)))
}

/// One line per scenario with what the table leaves out: refusals, errors, final statuses.
fn print_summary(concurrency: usize, sent: &Outcome, statuses: &[(String, i64)], until_drained: Duration) {
    let statuses: Vec<String> = statuses.iter().map(|(status, n)| format!("{status} {n}")).collect();
    println!(
        "{concurrency} in flight: {} acknowledged, {} refused, {} unanswered in {:.1} s; ledger drained after {:.1} s: {}",
        sent.acknowledged,
        sent.refused,
        sent.failed,
        sent.elapsed.as_secs_f64(),
        until_drained.as_secs_f64(),
        statuses.join(", ")
    );
}

fn row(concurrency: usize, sent: &Outcome, applied: i64, left: i64, until_drained: Duration, usage: (&Usage, &Usage)) -> Row {
    let per_second = |n: f64, d: Duration| if d.is_zero() { 0.0 } else { n / d.as_secs_f64() };
    let ms = |q: f64| sent.latency.value_at_quantile(q) as f64 / 1_000.0;
    Row {
        concurrency,
        acknowledged: sent.acknowledged,
        ingest: per_second(sent.acknowledged as f64, sent.elapsed),
        applied: per_second(applied as f64, until_drained),
        left,
        latency_ms: [ms(0.50), ms(0.95), ms(0.99)],
        cpu_ms_per_event: usage::cpu_ms_per_event(usage.0, usage.1, sent.acknowledged),
        peak_rss_mb: usage.1.peak_rss as f64 / (1024.0 * 1024.0),
    }
}
