//! The drift check: every organization with a live subscription compared with Stripe, paced,
//! changing nothing, and exported as gauges so an alert can say when our state and Stripe's part.

use std::sync::Arc;
use std::time::Duration;

use billing_core::services::{SweepMode, SweepReport};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::metrics::Metrics;
use crate::state::Clk;
use crate::telemetry::cause_chain;
use crate::workers::{guarded, Billing, Cadence};

/// Organizations read from the store per page of a drift check.
const PAGE: u32 = 100;

/// When drift checks run and how fast they read from Stripe.
#[derive(Debug, Clone, Copy)]
pub struct DriftSchedule {
    /// From the start to the first check, so a deploy's restarts do not each read every subscription at once.
    pub first: Duration,
    pub every: Duration,
    /// Stripe reads per second at most.
    pub rate: u32,
}

impl DriftSchedule {
    /// The configured schedule; `None` when `DRIFT_CHECK_INTERVAL_SECS` is 0 or Stripe is not
    /// configured (there is nothing to compare with).
    pub fn of(settings: &Settings, cadence: Cadence) -> Option<Self> {
        let configured = Duration::from_secs(settings.drift_check_interval_secs);
        let every = cadence.drift_every.or((!configured.is_zero()).then_some(configured))?;
        settings.shared.stripe_secret_key.as_ref()?;
        Some(Self { first: cadence.drift_first, every, rate: settings.drift_check_rate })
    }
}

/// Runs a dry-run reconcile over all paid organizations on `schedule` until `stop`. A check in
/// progress when the server stops is abandoned: it wrote nothing.
pub fn spawn_drift_worker(
    billing: Arc<Billing>,
    clock: Arc<Clk>,
    metrics: Metrics,
    schedule: DriftSchedule,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut wait = schedule.first;
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = check(&billing, &metrics, schedule.rate) => metrics.drift_check_completed.set(clock.now().timestamp()),
            }
            wait = schedule.every;
        }
    })
}

/// One check over every paid organization; a panic is counted under `worker="drift"`.
async fn check(billing: &Billing, metrics: &Metrics, rate: u32) {
    let pace = Duration::from_secs(1) / rate.max(1);
    let sweep = billing.sweep_paid_orgs(&SweepMode::DryRun, PAGE, || tokio::time::sleep(pace));
    match guarded(metrics, "drift", sweep).await {
        Ok(Ok(report)) => publish(metrics, &report),
        Ok(Err(e)) => {
            tracing::warn!(error = %cause_chain(&e), "the drift check could not read the organizations; gauges keep the last check's values")
        }
        Err(panic) => tracing::error!(%panic, "the drift check panicked; the next one runs as scheduled"),
    }
}

fn publish(metrics: &Metrics, report: &SweepReport) {
    for (org, fields) in &report.drifted {
        let fields: Vec<&str> = fields.iter().map(|f| f.field).collect();
        tracing::warn!(org = %org, fields = ?fields, "organization differs from Stripe; `billing-admin orgs reconcile --dry-run` shows how");
    }
    for (org, error) in &report.failed {
        tracing::warn!(org = %org, error = %cause_chain(error), "organization could not be compared with Stripe");
    }
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    metrics.drifted_organizations.set(count(report.drifted.len()));
    metrics.drift_check_failures.set(count(report.failed.len()));
    metrics.drift_checked_organizations.set(count(report.checked));
    tracing::info!(checked = report.checked, drifted = report.drifted.len(), failed = report.failed.len(), "drift check finished");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(interval: u64, key: bool) -> Settings {
        let mut s = crate::config::defaults().unwrap_or_else(|e| panic!("{e}"));
        s.drift_check_interval_secs = interval;
        s.shared.stripe_secret_key = key.then(|| "sk_test_drift".to_owned().into());
        s
    }

    #[test]
    fn drift_checks_run_on_the_configured_interval_only_with_stripe_and_not_when_turned_off() {
        let cadence = Cadence::default();
        let on = DriftSchedule::of(&settings(3600, true), cadence).map(|s| (s.first, s.every, s.rate));
        assert_eq!(on, Some((Duration::from_secs(300), Duration::from_secs(3600), 5)));
        assert!(DriftSchedule::of(&settings(0, true), cadence).is_none(), "0 turns them off");
        assert!(DriftSchedule::of(&settings(3600, false), cadence).is_none(), "nothing to compare with");
        let fast = Cadence { drift_every: Some(Duration::from_secs(1)), ..cadence };
        assert_eq!(DriftSchedule::of(&settings(0, true), fast).map(|s| s.every), Some(Duration::from_secs(1)));
    }
}
