//! Posting one event to one endpoint: signing with the wall clock, retrying on the schedule and
//! applying the configured faults.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use super::{Job, Shared};
use crate::webhooks::signature_header;

/// Starts the worker that makes the first attempts of one endpoint's events, in order.
pub fn spawn_worker(shared: Arc<Shared>) -> mpsc::UnboundedSender<Job> {
    let (sender, mut jobs) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        while let Some(job) = jobs.recv().await {
            first_attempt(&shared, job).await;
        }
    });
    sender
}

async fn first_attempt(shared: &Arc<Shared>, job: Job) {
    let faults = job.faults;
    if !faults.delay.is_zero() {
        tokio::time::sleep(faults.delay).await;
    }
    // A dropped first attempt counts as failed, so the retry schedule redelivers it.
    let delivered = !faults.drop_first && attempt(shared, &job).await;
    if faults.duplicate {
        attempt(shared, &job).await;
    }
    if !delivered {
        let shared = Arc::clone(shared);
        tokio::spawn(async move { retry(&shared, &job).await });
    }
}

/// Later attempts, each after the next wait of the schedule, until one is acknowledged, the
/// schedule ends or the endpoint is deleted.
async fn retry(shared: &Shared, job: &Job) {
    for wait in &shared.retry_schedule {
        tokio::time::sleep(*wait).await;
        if attempt(shared, job).await {
            return;
        }
    }
    tracing::info!(event = %job.event_id, endpoint = %job.endpoint_id, "webhook delivery gave up after the last retry");
}

/// The URL and signature header for an attempt now, or `None` once the endpoint is gone.
fn prepare(shared: &Shared, job: &Job) -> Option<(String, String)> {
    let state = shared.state.lock().ok()?;
    let endpoint = state.webhook_endpoints.iter().find(|endpoint| endpoint.id == job.endpoint_id)?;
    // Stripe signs with the wall clock even when a test clock is ahead, so receivers' replay
    // tolerance keeps working.
    let t = Utc::now().timestamp();
    Some((endpoint.url.clone(), signature_header(&job.payload, &endpoint.signing_secrets(t), t)))
}

/// One POST; true when the endpoint answered 2xx. A deleted endpoint counts as acknowledged so
/// that nothing retries towards it.
async fn attempt(shared: &Shared, job: &Job) -> bool {
    let Some((url, signature)) = prepare(shared, job) else {
        return true;
    };
    let sent = shared
        .http
        .post(&url)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        .header("Stripe-Signature", signature)
        .body(job.payload.clone())
        .send()
        .await;
    let acknowledged = sent.is_ok_and(|response| response.status().is_success());
    if acknowledged {
        if let Ok(mut state) = shared.state.lock() {
            if let Some(waiting) = state.pending.get_mut(&job.event_id) {
                waiting.remove(&job.endpoint_id);
            }
        }
    }
    acknowledged
}
