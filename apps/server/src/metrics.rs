//! Prometheus metrics of the webhook pipeline, the ledger and Stripe calls.

use billing_core::Notice;
use prometheus::{Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

/// The server's metrics, registered in their own registry.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    pub webhooks_received: IntCounterVec,
    pub webhooks_duplicate: IntCounterVec,
    pub webhooks_mode_mismatch: IntCounterVec,
    pub tenant_disagreements: IntCounterVec,
    pub webhooks_invalid_signature: IntCounterVec,
    pub webhooks_finished: IntCounterVec,
    pub webhook_processing_seconds: HistogramVec,
    pub webhook_group_size: Histogram,
    pub ledger_backlog: IntGauge,
    pub past_due_organizations: IntGauge,
    pub stripe_calls: IntCounterVec,
    pub stripe_call_seconds: HistogramVec,
    pub notices: IntCounterVec,
    pub worker_panics: IntCounterVec,
    pub checkout_sessions: IntCounter,
    pub cancellations: IntCounterVec,
    pub portal_sessions: IntCounter,
    pub webhooks_verified: IntCounterVec,
    pub notices_settled: IntCounterVec,
    pub payment_recovery_seconds: Histogram,
    pub drifted_organizations: IntGauge,
    pub drift_check_failures: IntGauge,
    pub drift_checked_organizations: IntGauge,
    pub drift_check_completed: IntGauge,
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> Result<IntCounterVec, prometheus::Error> {
    let c = IntCounterVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

fn plain_counter(registry: &Registry, name: &str, help: &str) -> Result<IntCounter, prometheus::Error> {
    let c = IntCounter::new(name, help)?;
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

fn histogram(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> Result<HistogramVec, prometheus::Error> {
    let buckets = vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
    let h = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)?;
    registry.register(Box::new(h.clone()))?;
    Ok(h)
}

/// From a failed payment to its recovery: an hour to two months.
fn recovery_times(registry: &Registry) -> Result<Histogram, prometheus::Error> {
    let hours = [1.0, 6.0, 24.0, 72.0, 168.0, 336.0, 720.0, 1440.0];
    let opts = HistogramOpts::new(
        "billing_payment_recovery_seconds",
        "Time from the failed payment that opened a grace period to the payment that ended it",
    )
    .buckets(hours.iter().map(|h| h * 3600.0).collect());
    let h = Histogram::with_opts(opts)?;
    registry.register(Box::new(h.clone()))?;
    Ok(h)
}

/// Deliveries recorded per commit, in powers of two up to the group cap.
fn group_sizes(registry: &Registry) -> Result<Histogram, prometheus::Error> {
    let buckets = (0..=8).map(|p| f64::from(1_u32 << p)).collect();
    let opts =
        HistogramOpts::new("billing_webhook_group_size", "Deliveries recorded together by one commit (group commit)").buckets(buckets);
    let h = Histogram::with_opts(opts)?;
    registry.register(Box::new(h.clone()))?;
    Ok(h)
}

fn gauge(registry: &Registry, name: &str, help: &str) -> Result<IntGauge, prometheus::Error> {
    let g = IntGauge::new(name, help)?;
    registry.register(Box::new(g.clone()))?;
    Ok(g)
}

impl Metrics {
    /// Registers every metric.
    ///
    /// # Errors
    /// A [`prometheus::Error`] if a name is registered twice (a programming error).
    pub fn new() -> Result<Self, prometheus::Error> {
        let r = Registry::new();
        Ok(Self {
            webhooks_received: counter(&r, "billing_webhooks_received_total", "Verified webhook deliveries recorded", &["type"])?,
            webhooks_duplicate: counter(&r, "billing_webhooks_duplicate_total", "Deliveries of events already recorded", &["type"])?,
            webhooks_mode_mismatch: counter(
                &r,
                "billing_webhooks_mode_mismatch_total",
                "Verified deliveries of the other Stripe mode (test events on a live server or the reverse), acknowledged and ignored",
                &["received"],
            )?,
            tenant_disagreements: counter(
                &r,
                "billing_webhook_tenant_disagreements_total",
                "Events naming another organization than the owner of their Stripe customer; applied to the owner",
                &["type"],
            )?,
            webhooks_invalid_signature: counter(
                &r,
                "billing_webhooks_invalid_signature_total",
                "Deliveries refused by signature checks",
                &["reason"],
            )?,
            webhooks_finished: counter(
                &r,
                "billing_webhooks_finished_total",
                "Event processing attempts by end state",
                &["type", "outcome"],
            )?,
            webhook_processing_seconds: histogram(&r, "billing_webhook_processing_seconds", "Time from receipt to final state", &["type"])?,
            webhook_group_size: group_sizes(&r)?,
            ledger_backlog: gauge(&r, "billing_ledger_backlog", "Events received, in flight or waiting to retry")?,
            past_due_organizations: gauge(&r, "billing_past_due_organizations", "Organizations in past_due")?,
            stripe_calls: counter(
                &r,
                "billing_stripe_calls_total",
                "Stripe API calls by operation and outcome",
                &["operation", "outcome"],
            )?,
            stripe_call_seconds: histogram(&r, "billing_stripe_call_seconds", "Stripe API call latency", &["operation"])?,
            notices: counter(&r, "billing_notices_total", "Notice delivery attempts by outcome", &["outcome"])?,
            worker_panics: counter(
                &r,
                "billing_worker_panics_total",
                "Panics caught in background workers, which carried on",
                &["worker"],
            )?,
            checkout_sessions: plain_counter(
                &r,
                "billing_checkout_sessions_total",
                "Checkout sessions opened; completions are billing_webhooks_finished_total{type=\"checkout.session.completed\"}",
            )?,
            cancellations: counter(&r, "billing_cancellations_total", "Cancellations asked for through the API, by kind", &["kind"])?,
            portal_sessions: plain_counter(&r, "billing_portal_sessions_total", "Customer Portal links handed out")?,
            webhooks_verified: counter(
                &r,
                "billing_webhooks_verified_total",
                "Accepted deliveries by the position of the webhook secret that verified them, to retire an old secret safely",
                &["secret"],
            )?,
            notices_settled: counter(
                &r,
                "billing_notices_settled_total",
                "Notices handed to the notifier or without a recipient, by kind (cancellations, refunds, recoveries, ...)",
                &["kind"],
            )?,
            payment_recovery_seconds: recovery_times(&r)?,
            drifted_organizations: gauge(
                &r,
                "billing_drifted_organizations",
                "Organizations whose state differed from Stripe's at the last drift check",
            )?,
            drift_check_failures: gauge(
                &r,
                "billing_drift_check_failures",
                "Organizations the last drift check could not compare with Stripe",
            )?,
            drift_checked_organizations: gauge(
                &r,
                "billing_drift_checked_organizations",
                "Organizations with a live subscription the last drift check compared",
            )?,
            drift_check_completed: gauge(
                &r,
                "billing_drift_check_completed_timestamp_seconds",
                "When the last drift check finished (Unix time); 0 before the first",
            )?,
            registry: r,
        })
    }

    /// The names of every metric, whether or not it has been observed yet (a labelled metric
    /// appears in the exposition only once a label set is used).
    pub fn names(&self) -> Vec<String> {
        let collectors: [&dyn prometheus::core::Collector; 24] = [
            &self.webhooks_received,
            &self.webhooks_duplicate,
            &self.webhooks_mode_mismatch,
            &self.tenant_disagreements,
            &self.webhooks_invalid_signature,
            &self.webhooks_finished,
            &self.webhook_processing_seconds,
            &self.webhook_group_size,
            &self.ledger_backlog,
            &self.past_due_organizations,
            &self.stripe_calls,
            &self.stripe_call_seconds,
            &self.notices,
            &self.worker_panics,
            &self.checkout_sessions,
            &self.cancellations,
            &self.portal_sessions,
            &self.webhooks_verified,
            &self.notices_settled,
            &self.payment_recovery_seconds,
            &self.drifted_organizations,
            &self.drift_check_failures,
            &self.drift_checked_organizations,
            &self.drift_check_completed,
        ];
        collectors.iter().flat_map(|c| c.desc()).map(|d| d.fq_name.clone()).collect()
    }

    /// Counts a settled notice by kind; a recovery also records how long the organization was
    /// failing to pay.
    pub fn observe_settled_notice(&self, notice: &Notice) {
        self.notices_settled.with_label_values(&[notice.kind()]).inc();
        if let Notice::PaymentRecovered { failed_at, recovered_at } = notice {
            let seconds = (*recovered_at - *failed_at).num_milliseconds().max(0);
            // Milliseconds over a few months fit a float exactly.
            #[allow(clippy::cast_precision_loss)]
            self.payment_recovery_seconds.observe(seconds as f64 / 1000.0);
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if TextEncoder::new().encode(&self.registry.gather(), &mut out).is_err() {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_the_alert_rules_use_is_one_the_server_exports() {
        let rules = include_str!("../../../monitoring/alerts.yml");
        let names = Metrics::new().map(|m| m.names()).unwrap_or_default();
        let mut used: Vec<&str> = rules
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| word.starts_with("billing_"))
            .map(|word| word.trim_end_matches("_bucket").trim_end_matches("_count").trim_end_matches("_sum"))
            .collect();
        used.sort_unstable();
        used.dedup();
        assert!(used.len() >= 8, "the rules name the metrics they use: {used:?}");
        for name in used {
            assert!(names.iter().any(|n| n == name), "alerts.yml uses {name}, which the server does not export");
        }
    }
}
