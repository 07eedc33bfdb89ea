//! The database's own limit for the server's per-event writes: `pgbench` on the same server
//! running `pgbench/txn.sql` (record the event and change its organization in one transaction)
//! and `pgbench/txn2.sql` (the same in two).

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

const SETUP: &str = include_str!("../pgbench/setup.sql");
const ONE_TRANSACTION: &str = include_str!("../pgbench/txn.sql");
const TWO_TRANSACTIONS: &str = include_str!("../pgbench/txn2.sql");

/// How pgbench runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub clients: usize,
    pub threads: usize,
    pub secs: u64,
}

/// pgbench's rates, in events per second.
#[derive(Debug, Clone, Copy)]
pub struct Baseline {
    pub one_transaction: f64,
    pub two_transactions: f64,
}

/// Creates the tables in the empty database at `url`, then runs both scripts against it with
/// `payload` as every event's body. Scripts are written to `dir` for pgbench to read.
///
/// # Errors
/// When the setup fails, pgbench is missing or fails, or prints no rate.
pub async fn measure(url: &str, payload: &str, options: &Options, dir: &Path) -> anyhow::Result<Baseline> {
    let pool = sqlx::PgPool::connect(url).await.context("cannot connect to the pgbench database")?;
    sqlx::raw_sql(SETUP).execute(&pool).await.context("pgbench/setup.sql failed")?;
    pool.close().await;
    let pgbench = billing_testkit::find_tool("pgbench")?;
    let mut rates = [0.0; 2];
    for (rate, (name, script)) in rates.iter_mut().zip([("txn.sql", ONE_TRANSACTION), ("txn2.sql", TWO_TRANSACTIONS)]) {
        let file = dir.join(name);
        std::fs::write(&file, script).with_context(|| format!("cannot write {}", file.display()))?;
        let args = arguments(&file, url, payload, options);
        let program = pgbench.clone();
        let output =
            tokio::task::spawn_blocking(move || Command::new(&program).args(&args).output()).await?.context("cannot run pgbench")?;
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        if !output.status.success() {
            bail!("pgbench -f {name} failed ({}): {}{}", output.status, stdout.trim(), stderr.trim());
        }
        *rate = parse_tps(&stdout).with_context(|| format!("pgbench -f {name} printed no `tps = ` line:\n{stdout}"))?;
    }
    Ok(Baseline { one_transaction: rates[0], two_transactions: rates[1] })
}

/// pgbench's command line. Prepared statements, as the server's driver caches them; no vacuum
/// of pgbench's own tables (`-n`), which this script does not use; the payload bound as a
/// parameter, so it crosses the wire as a delivery's body would.
fn arguments(script: &Path, url: &str, payload: &str, o: &Options) -> Vec<String> {
    let mut args: Vec<String> = vec!["-n".into(), "-M".into(), "prepared".into(), "-f".into(), script.to_string_lossy().into_owned()];
    args.extend(["-c".into(), o.clients.to_string(), "-j".into(), o.threads.to_string(), "-T".into(), o.secs.to_string()]);
    args.extend(["-D".into(), format!("payload={payload}"), url.to_owned()]);
    args
}

/// The rate from pgbench's summary: the one without connection time when both are printed
/// (pgbench 13 and older print "including" and "excluding connections establishing").
pub fn parse_tps(output: &str) -> Option<f64> {
    let rates: Vec<(f64, &str)> = output
        .lines()
        .filter_map(|line| line.trim().strip_prefix("tps = "))
        .filter_map(|rest| {
            let (number, note) = rest.split_once(' ').unwrap_or((rest, ""));
            number.parse().ok().map(|n| (n, note))
        })
        .collect();
    let preferred = rates.iter().find(|(_, note)| note.contains("without initial connection") || note.contains("excluding"));
    preferred.or(rates.first()).map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_of_pgbench_15_is_read() {
        let out = "transaction type: txn.sql\nnumber of failed transactions: 0 (0.000%)\nlatency average = 9.481 ms\n\
                   initial connection time = 12.345 ms\ntps = 1687.542018 (without initial connection time)\n";
        assert_eq!(parse_tps(out), Some(1687.542018));
    }

    #[test]
    fn older_pgbench_rates_exclude_connection_time() {
        let out = "tps = 812.5 (including connections establishing)\ntps = 830.25 (excluding connections establishing)\n";
        assert_eq!(parse_tps(out), Some(830.25));
    }

    #[test]
    fn output_without_a_rate_gives_none() {
        assert_eq!(parse_tps("pgbench: error: connection failed\ntps = n/a\n"), None);
    }

    #[test]
    fn the_payload_is_one_argument_and_the_url_comes_last() {
        let o = Options { clients: 16, threads: 2, secs: 10 };
        let args = arguments(Path::new("/tmp/txn.sql"), "postgres://u@127.0.0.1:5/db", "{\"id\": 1}", &o);
        assert_eq!(args.last().map(String::as_str), Some("postgres://u@127.0.0.1:5/db"));
        assert!(args.contains(&"payload={\"id\": 1}".to_owned()));
        assert_eq!(args.windows(2).find(|w| w[0] == "-c").map(|w| w[1].as_str()), Some("16"));
    }
}
