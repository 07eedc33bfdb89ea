//! `billing-fuzz`: runs every target (or the chosen ones) and prints one line per target; exits
//! non-zero when any input panicked.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use billing_fuzz::{corpus, run_target, Cases, Corpus, TargetName};
use clap::Parser;

/// Fuzzes the webhook signature check, the event decoder and the API token check.
#[derive(Debug, Parser)]
#[command(name = "billing-fuzz", version)]
struct Cli {
    /// Inputs per target.
    #[arg(long, default_value_t = 1_000_000)]
    cases: u64,
    /// The seed every input is derived from.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run only this target (repeatable); all of them by default.
    #[arg(long = "target", value_enum)]
    targets: Vec<TargetName>,
    /// Run only this case index, to replay a finding.
    #[arg(long)]
    case: Option<u64>,
    /// Where the Stripe event fixtures are; the workspace's `fixtures/stripe` by default.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// Also print how many cases ended in each outcome, to see which paths the inputs reach.
    #[arg(long)]
    stats: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = cli.fixtures.clone().unwrap_or_else(corpus::default_dir);
    let corpus = match Corpus::load(&dir) {
        Ok(corpus) => corpus,
        Err(error) => {
            eprintln!("billing-fuzz: cannot read the fixtures in {}: {error}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let cases = match cli.case {
        Some(case) => Cases { seed: cli.seed, start: case, count: 1 },
        None => Cases { seed: cli.seed, start: 0, count: cli.cases },
    };
    let targets = if cli.targets.is_empty() { TargetName::ALL.to_vec() } else { cli.targets };
    let started = Instant::now();
    let mut panics = 0;
    for name in targets {
        let report = run_target(name, &corpus, cases);
        for finding in &report.findings {
            eprintln!("{finding}");
        }
        println!("{report}");
        if cli.stats {
            println!("{}", report.outcome_line());
        }
        panics += report.panics;
    }
    println!("total_secs={:.2}", started.elapsed().as_secs_f64());
    if panics == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
