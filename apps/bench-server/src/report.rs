//! The printed results: one markdown row per concurrency, with the server's rates as ratios to
//! pgbench's when there is a Postgres baseline.

use std::fmt::Write;

use crate::pgbench::Baseline;

/// One scenario's figures.
#[derive(Debug, Clone)]
pub struct Row {
    pub concurrency: usize,
    /// Deliveries answered 200.
    pub acknowledged: u64,
    /// 200s per second while sending.
    pub ingest: f64,
    /// Events applied per second, from the first delivery until the backlog was empty.
    pub applied: f64,
    /// Events still waiting when the drain limit ended the scenario (0 normally).
    pub left: i64,
    /// Latency percentiles of the 200s: p50, p95, p99, in milliseconds.
    pub latency_ms: [f64; 3],
    pub cpu_ms_per_event: Option<f64>,
    pub peak_rss_mb: f64,
}

/// `n` rounded, with a space between thousands as in the rest of the docs.
pub fn grouped(n: f64) -> String {
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    if n.round() < 0.0 {
        out.insert(0, '-');
    }
    out
}

fn ratio(value: f64, baseline: Option<&Baseline>) -> String {
    match baseline {
        Some(b) if b.one_transaction > 0.0 => format!("{:.2}×", value / b.one_transaction),
        _ => "–".to_owned(),
    }
}

/// The markdown table of `rows`; the ratio columns only with a `baseline`.
pub fn table(rows: &[Row], baseline: Option<&Baseline>) -> String {
    let mut out = String::from("| in flight | events | ingest/s | applied/s | p50 ms | p95 ms | p99 ms | CPU ms/event | peak RSS MB |");
    let mut rule = String::from("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    if baseline.is_some() {
        out.push_str(" ingest ÷ pgbench | applied ÷ pgbench |");
        rule.push_str("---:|---:|");
    }
    out.push('\n');
    out.push_str(&rule);
    for r in rows {
        let applied = if r.left > 0 { format!("{} ({} left)", grouped(r.applied), grouped(r.left as f64)) } else { grouped(r.applied) };
        let cpu = r.cpu_ms_per_event.map_or_else(|| "–".to_owned(), |ms| format!("{ms:.3}"));
        let [p50, p95, p99] = r.latency_ms;
        let _ = write!(
            out,
            "\n| {} | {} | {} | {applied} | {p50:.2} | {p95:.2} | {p99:.2} | {cpu} | {:.0} |",
            r.concurrency,
            grouped(r.acknowledged as f64),
            grouped(r.ingest),
            r.peak_rss_mb
        );
        if baseline.is_some() {
            let _ = write!(out, " {} | {} |", ratio(r.ingest, baseline), ratio(r.applied, baseline));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            concurrency: 16,
            acknowledged: 20_000,
            ingest: 1_234.4,
            applied: 617.2,
            left: 0,
            latency_ms: [3.0, 9.456, 20.0],
            cpu_ms_per_event: Some(0.1875),
            peak_rss_mb: 41.6,
        }
    }

    #[test]
    fn thousands_are_grouped_and_rounded() {
        assert_eq!(grouped(0.4), "0");
        assert_eq!(grouped(999.5), "1 000");
        assert_eq!(grouped(1_234_567.0), "1 234 567");
        assert_eq!(grouped(-12_345.0), "-12 345");
    }

    #[test]
    fn a_row_carries_every_figure_and_the_ratios_to_pgbench() {
        let baseline = Baseline { one_transaction: 2_000.0, two_transactions: 1_500.0 };
        let text = table(&[row()], Some(&baseline));
        let last = text.lines().last().unwrap();
        assert_eq!(last, "| 16 | 20 000 | 1 234 | 617 | 3.00 | 9.46 | 20.00 | 0.188 | 42 | 0.62× | 0.31× |");
        assert_eq!(text.lines().count(), 3);
        assert_eq!(text.lines().nth(1).unwrap().matches('|').count(), last.matches('|').count());
    }

    #[test]
    fn without_a_baseline_there_are_no_ratio_columns_and_a_backlog_left_shows() {
        let mut r = row();
        r.left = 1_500;
        let text = table(&[r], None);
        assert!(!text.contains("pgbench"));
        assert!(text.lines().last().unwrap().contains("| 617 (1 500 left) |"));
    }
}
