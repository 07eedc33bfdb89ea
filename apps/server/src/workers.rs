//! Background workers of every instance: event processing, timers with reconciliation, notices.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use billing_core::ports::{ClaimedEvent, EventDecoder, EventDisposition, LedgerError, Notifier};
use billing_core::services::{BillingService, DeliveryReport, EventProcessor, NotificationDispatcher, ProcessOutcome};
use futures_util::FutureExt;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::state::{Clk, Ledger, Payments, Repo};
use crate::telemetry::cause_chain;

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
    /// From the start to the first drift check.
    pub drift_first: Duration,
    /// Replaces `DRIFT_CHECK_INTERVAL_SECS` when set (tests check every second).
    pub drift_every: Option<Duration>,
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
            drift_first: Duration::from_secs(300),
            drift_every: None,
            notice_retry: chrono::Duration::seconds(60),
        }
    }
}

impl Cadence {
    /// Cadences for servers that tests drive through time: the workers poll every 50 ms, timers
    /// and notices run every 200 ms, and a failed notice is offered again after a second. The
    /// reconcile sweep and drift checks, which read every paid subscription from Stripe, wait an
    /// hour, so only tests that ask for them run them.
    pub fn brisk() -> Self {
        Self {
            idle_poll: Duration::from_millis(50),
            timers: Duration::from_millis(200),
            reconcile: Duration::from_secs(3600),
            notices: Duration::from_millis(200),
            drift_first: Duration::from_secs(3600),
            drift_every: None,
            notice_retry: chrono::Duration::seconds(1),
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

/// Claims up to `batch` events of distinct organizations at a time and applies them together
/// (one transaction for their writes); a shutdown waits for the batch in hand and never leaves
/// a claimed-but-untouched event behind.
///
/// A panic never ends the worker. One while processing a batch writes nothing of it (decisions
/// are written only at the batch's end), so its events are processed again one by one: one that
/// panics alone fails alone, recorded in the ledger like any failed attempt (so an event that
/// keeps panicking is dead-lettered after `BILLING_MAX_ATTEMPTS`). One anywhere else in a round
/// is caught and the worker carries on. Each counts in `billing_worker_panics_total{worker="events"}`.
pub fn spawn_event_worker(
    processor: Arc<Processor>,
    holder: String,
    batch: u32,
    wake: Arc<tokio::sync::Notify>,
    metrics: Metrics,
    cadence: Cadence,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.is_cancelled() {
            let idle = match guarded(&metrics, "events", claim_and_process(&processor, &holder, batch, &metrics)).await {
                Ok(idle) => idle,
                Err(panic) => {
                    tracing::error!(%panic, holder = %holder, "the event worker panicked between events and carries on");
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

/// Claims a batch of events and processes it; true when none was due.
async fn claim_and_process(processor: &Processor, holder: &str, batch: u32, metrics: &Metrics) -> bool {
    let claimed = match processor.claim(holder, batch).await {
        Ok(claimed) => claimed,
        Err(e) => {
            tracing::warn!(error = %cause_chain(&e), "claiming events failed");
            return true;
        }
    };
    let started = Instant::now();
    let outcomes = match guarded(metrics, "events", processor.process_batch(&claimed)).await {
        Ok(outcomes) => outcomes,
        Err(panic) if claimed.len() == 1 => {
            tracing::error!(event_id = %claimed[0].id, %panic, "processing an event panicked; the attempt is recorded as failed");
            vec![processor.fail_panicked(&claimed[0], &panic).await]
        }
        Err(panic) => {
            tracing::error!(%panic, events = claimed.len(), "processing a batch panicked; its events are processed one by one");
            let mut one_by_one = Vec::with_capacity(claimed.len());
            for event in &claimed {
                one_by_one.push(process_one(processor, event, metrics).await);
            }
            one_by_one
        }
    };
    for (event, outcome) in claimed.iter().zip(outcomes) {
        match outcome {
            Ok(outcome) => record_outcome(event, &outcome, started, metrics),
            Err(e) => tracing::warn!(event_id = %event.id, error = %cause_chain(&e), "recording the outcome of an event failed"),
        }
    }
    claimed.is_empty()
}

fn record_outcome(event: &ClaimedEvent, outcome: &ProcessOutcome, started: Instant, metrics: &Metrics) {
    let label = outcome_label(outcome);
    metrics.webhooks_finished.with_label_values(&[&event.event_type, label]).inc();
    metrics.webhook_processing_seconds.with_label_values(&[&event.event_type]).observe(started.elapsed().as_secs_f64());
    tracing::info!(event_id = %event.id, event_type = %event.event_type, outcome = label, "event processed");
}

/// Processes one claimed event to an end state; a panic fails this event alone. An error when
/// the outcome could not be written, in which case the event runs again once its lease expires.
async fn process_one(processor: &Processor, event: &ClaimedEvent, metrics: &Metrics) -> Result<ProcessOutcome, LedgerError> {
    match guarded(metrics, "events", processor.process(event)).await {
        Ok(written) => written,
        Err(panic) => {
            tracing::error!(event_id = %event.id, event_type = %event.event_type, %panic, "processing an event panicked; the attempt is recorded as failed");
            processor.fail_panicked(event, &panic).await
        }
    }
}

/// Runs `work`, catching a panic in it: the panic is counted under `worker` and its message
/// returned, and the task running `work` lives on.
pub(crate) async fn guarded<T>(metrics: &Metrics, worker: &'static str, work: impl Future<Output = T>) -> Result<T, String> {
    // Nothing `work` borrows is left half-updated in a way a later round could observe: the
    // ledger's lease guards make every write all-or-nothing, and the metrics are atomic.
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(value) => Ok(value),
        Err(panic) => {
            metrics.worker_panics.with_label_values(&[worker]).inc();
            Err(panic_message(panic.as_ref()))
        }
    }
}

/// What a panic said, when it said it with a string (as `panic!` and failed assertions do).
fn panic_message(panic: &(dyn Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(message), _) => (*message).to_owned(),
        (None, Some(message)) => message.clone(),
        (None, None) => "a panic without a message".to_owned(),
    }
}

/// Fires due timers, reconciles past-due organizations with Stripe and refreshes gauges; a panic
/// in a round is caught, counted under `worker="timers"`, and the next round runs as usual.
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
            let round = timer_round(&billing, ledger.as_ref(), &metrics, cadence, &mut last_reconcile);
            if let Err(panic) = guarded(&metrics, "timers", round).await {
                tracing::error!(%panic, "the timer worker panicked and carries on");
            }
            tokio::select! {
                () = stop.cancelled() => {}
                () = tokio::time::sleep(cadence.timers) => {}
            }
        }
    })
}

async fn timer_round(billing: &Billing, ledger: &Ledger, metrics: &Metrics, cadence: Cadence, last_reconcile: &mut Instant) {
    if let Err(e) = billing.run_due_timers(100).await {
        tracing::warn!(error = %cause_chain(&e), "running timers failed");
    }
    if last_reconcile.elapsed() >= cadence.reconcile {
        *last_reconcile = Instant::now();
        match billing.reconcile_past_due(100).await {
            Ok(n) => tracing::info!(reconciled = n, "reconciled past-due organizations with Stripe"),
            Err(e) => tracing::warn!(error = %cause_chain(&e), "reconciliation failed"),
        }
    }
    if let Ok(backlog) = ledger.backlog().await {
        metrics.ledger_backlog.set(i64::try_from(backlog).unwrap_or(i64::MAX));
    }
    if let Ok(past_due) = billing.past_due_count().await {
        metrics.past_due_organizations.set(i64::try_from(past_due).unwrap_or(i64::MAX));
    }
}

/// Delivers the notification outbox; a panic in a batch is caught, counted under
/// `worker="notices"`, and its notices are offered again when their lease expires.
pub fn spawn_notice_worker(dispatcher: Arc<Dispatcher>, metrics: Metrics, cadence: Cadence, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.is_cancelled() {
            // Small batches: a batch must fit in the claim's lease (each call may take 10 s),
            // and a shutdown waits for at most one batch.
            let full = match guarded(&metrics, "notices", dispatcher.deliver(NOTICE_BATCH)).await {
                Ok(Ok(report)) => {
                    count_notices(&metrics, report);
                    report.delivered + report.no_recipient + report.failed + report.dead >= NOTICE_BATCH as usize
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %cause_chain(&e), "delivering notices failed");
                    false
                }
                Err(panic) => {
                    tracing::error!(%panic, "the notice worker panicked and carries on");
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
    let outcomes =
        [("delivered", report.delivered), ("no_recipient", report.no_recipient), ("failed", report.failed), ("dead", report.dead)];
    for (outcome, n) in outcomes {
        metrics.notices.with_label_values(&[outcome]).inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }
}
