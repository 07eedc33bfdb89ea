//! Background workers of every instance: event processing, timers with reconciliation, notices.

use std::sync::Arc;
use std::time::{Duration, Instant};

use billing_core::ports::{EventDecoder, EventDisposition, Notifier};
use billing_core::services::{BillingService, DeliveryReport, EventProcessor, NotificationDispatcher, ProcessOutcome};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::state::{Clk, Ledger, Payments, Repo};

pub type Processor = EventProcessor<Repo, Ledger, Payments, dyn EventDecoder, Clk>;
pub type Billing = BillingService<Repo, Payments, Clk>;
pub type Dispatcher = NotificationDispatcher<Repo, dyn Notifier, Clk>;

/// How often the periodic workers run.
#[derive(Debug, Clone, Copy)]
pub struct Cadence {
    pub idle_poll: Duration,
    pub timers: Duration,
    pub reconcile: Duration,
    pub notices: Duration,
    /// How long a notice whose delivery failed first waits before it is offered again; the
    /// wait doubles with each failure, up to six hours.
    pub notice_retry: chrono::Duration,
}

impl Default for Cadence {
    fn default() -> Self {
        Self {
            idle_poll: Duration::from_millis(500),
            timers: Duration::from_secs(5),
            reconcile: Duration::from_secs(600),
            notices: Duration::from_secs(2),
            notice_retry: chrono::Duration::seconds(60),
        }
    }
}

fn outcome_label(o: &ProcessOutcome) -> &'static str {
    match o {
        ProcessOutcome::Done(EventDisposition::Processed) => "processed",
        ProcessOutcome::Done(EventDisposition::Ignored) => "ignored",
        ProcessOutcome::Done(EventDisposition::Stale) => "stale",
        ProcessOutcome::Retry { .. } => "failed",
        ProcessOutcome::Dead { .. } => "dead",
        ProcessOutcome::LeaseLost => "lease_lost",
        ProcessOutcome::HandedBack => "handed_back",
    }
}

/// Claims one event at a time, so a shutdown waits for at most one event per worker and never
/// leaves a claimed-but-untouched event behind.
pub fn spawn_event_worker(
    processor: Arc<Processor>,
    holder: String,
    wake: Arc<tokio::sync::Notify>,
    metrics: Metrics,
    cadence: Cadence,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.is_cancelled() {
            let started = Instant::now();
            let idle = match processor.run_batch(&holder, 1).await {
                Ok(done) => {
                    for (event, outcome) in &done {
                        let label = outcome_label(outcome);
                        metrics.webhooks_finished.with_label_values(&[&event.event_type, label]).inc();
                        metrics.webhook_processing_seconds.with_label_values(&[&event.event_type]).observe(started.elapsed().as_secs_f64());
                        tracing::info!(event_id = %event.id, event_type = %event.event_type, outcome = label, "event processed");
                    }
                    done.is_empty()
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming events failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = wake.notified() => {}
                    () = tokio::time::sleep(cadence.idle_poll) => {}
                }
            }
        }
    })
}

/// Fires due timers, reconciles past-due organizations with Stripe and refreshes gauges.
pub fn spawn_timer_worker(
    billing: Arc<Billing>,
    ledger: Arc<Ledger>,
    metrics: Metrics,
    cadence: Cadence,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_reconcile = Instant::now();
        while !stop.is_cancelled() {
            if let Err(e) = billing.run_due_timers(100).await {
                tracing::warn!(error = %e, "running timers failed");
            }
            if last_reconcile.elapsed() >= cadence.reconcile {
                last_reconcile = Instant::now();
                match billing.reconcile_past_due(100).await {
                    Ok(n) => tracing::info!(reconciled = n, "reconciled past-due organizations with Stripe"),
                    Err(e) => tracing::warn!(error = %e, "reconciliation failed"),
                }
            }
            if let Ok(backlog) = ledger.backlog().await {
                metrics.ledger_backlog.set(i64::try_from(backlog).unwrap_or(i64::MAX));
            }
            if let Ok(past_due) = billing.past_due_count().await {
                metrics.past_due_organizations.set(i64::try_from(past_due).unwrap_or(i64::MAX));
            }
            tokio::select! {
                () = stop.cancelled() => {}
                () = tokio::time::sleep(cadence.timers) => {}
            }
        }
    })
}

/// Delivers the notification outbox.
pub fn spawn_notice_worker(dispatcher: Arc<Dispatcher>, metrics: Metrics, cadence: Cadence, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.is_cancelled() {
            // Small batches: a batch must fit in the claim's lease (each call may take 10 s),
            // and a shutdown waits for at most one batch.
            let full = match dispatcher.deliver(NOTICE_BATCH).await {
                Ok(report) => {
                    count_notices(&metrics, report);
                    report.delivered + report.no_recipient + report.failed >= NOTICE_BATCH as usize
                }
                Err(e) => {
                    tracing::warn!(error = %e, "delivering notices failed");
                    false
                }
            };
            if !full {
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = tokio::time::sleep(cadence.notices) => {}
                }
            }
        }
    })
}

/// Notices sent per batch.
const NOTICE_BATCH: u32 = 5;

fn count_notices(metrics: &Metrics, report: DeliveryReport) {
    for (outcome, n) in [("delivered", report.delivered), ("no_recipient", report.no_recipient), ("failed", report.failed)] {
        metrics.notices.with_label_values(&[outcome]).inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }
}
