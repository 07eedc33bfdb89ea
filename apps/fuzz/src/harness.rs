//! The loop every target runs in: one input per case, derived from the seed and the case index
//! alone, executed under `catch_unwind` with the panic message captured instead of printed.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;

/// How many findings a report keeps in full; later ones are only counted, so a target that
/// panics on every case cannot flood the output.
pub const KEPT_FINDINGS: usize = 10;

/// A fuzz target: makes an input from a random source and runs the code under test on it.
pub trait Target {
    type Input;

    /// The name printed in reports.
    fn name(&self) -> &'static str;

    /// One input; the same random source state always gives the same input.
    fn generate(&self, rng: &mut StdRng) -> Self::Input;

    /// Runs the code under test on `input` and names the outcome (`"verified"`, an error
    /// variant…), so a run shows which paths its inputs reached; a panic here is a finding.
    fn execute(&self, input: &Self::Input) -> Cow<'static, str>;

    /// The input in hex, to reproduce a finding outside the harness.
    fn dump(&self, input: &Self::Input) -> String;
}

/// Which cases to run: indices `start..start + count` of the sequence that `seed` defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cases {
    pub seed: u64,
    pub start: u64,
    pub count: u64,
}

/// One panic: where to find it again and what it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub target: &'static str,
    pub seed: u64,
    pub case: u64,
    pub message: String,
    pub input_hex: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "PANIC target={} seed={} case={}", self.target, self.seed, self.case)?;
        writeln!(f, "  message: {}", self.message.replace('\n', " "))?;
        writeln!(f, "  input: {}", self.input_hex)?;
        write!(f, "  replay: cargo run --release -p billing-fuzz -- --target {} --seed {} --case {}", self.target, self.seed, self.case)
    }
}

/// What one target's run found.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: &'static str,
    pub cases: u64,
    pub panics: u64,
    /// The first [`KEPT_FINDINGS`] panics.
    pub findings: Vec<Finding>,
    /// How many cases ended in each outcome the target named.
    pub outcomes: BTreeMap<Cow<'static, str>, u64>,
    pub elapsed: Duration,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "target={} cases={} panics={} secs={:.2}", self.target, self.cases, self.panics, self.elapsed.as_secs_f64())
    }
}

impl Report {
    /// `outcomes target=<name> <outcome>=<cases>…`, for `--stats`.
    pub fn outcome_line(&self) -> String {
        let counts: Vec<String> = self.outcomes.iter().map(|(outcome, n)| format!("{outcome}={n}")).collect();
        format!("outcomes target={} {}", self.target, counts.join(" "))
    }
}

/// Runs `target` on every case of `cases`.
pub fn run<T: Target>(target: &T, cases: Cases) -> Report {
    install_panic_capture();
    let started = Instant::now();
    let mut report =
        Report { target: target.name(), cases: 0, panics: 0, findings: Vec::new(), outcomes: BTreeMap::new(), elapsed: Duration::ZERO };
    for case in cases.start..cases.start.saturating_add(cases.count) {
        let input = target.generate(&mut case_rng(cases.seed, target.name(), case));
        match catch(|| target.execute(&input)) {
            Ok(outcome) => *report.outcomes.entry(outcome).or_default() += 1,
            Err(message) => {
                report.panics += 1;
                if report.findings.len() < KEPT_FINDINGS {
                    let input_hex = target.dump(&input);
                    report.findings.push(Finding { target: target.name(), seed: cases.seed, case, message, input_hex });
                }
            }
        }
        report.cases += 1;
    }
    report.elapsed = started.elapsed();
    report
}

/// The random source of one case, so any case can be replayed without running the ones before.
pub fn case_rng(seed: u64, target: &str, case: u64) -> StdRng {
    let name = target.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
    StdRng::seed_from_u64(splitmix(splitmix(seed ^ name) ^ case))
}

/// SplitMix64's finaliser: neighbouring seeds and case indices give unrelated streams.
fn splitmix(x: u64) -> u64 {
    let x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

thread_local! {
    /// Whether this thread is inside [`catch`], where panics are findings rather than bugs to print.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the panic hook once per process with one that records panics raised inside
/// [`catch`] and hands every other panic to the hook it replaced, so test failures elsewhere in
/// the same process still print.
fn install_panic_capture() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.get() {
                CAPTURED.set(Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into its message.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    CAPTURING.set(true);
    CAPTURED.set(None);
    // Every case owns its input and the targets keep no state between cases, so nothing a panic
    // interrupts is observed afterwards.
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    CAPTURING.set(false);
    outcome.map_err(|payload| {
        let fallback = payload.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| payload.downcast_ref::<String>().cloned());
        CAPTURED.take().or(fallback).unwrap_or_else(|| "a panic without a message".to_owned())
    })
}
