//! Webhook delivery: a task that hands every new event to the endpoints subscribed to it, one
//! worker per endpoint posting in creation order, with retries and the configured faults.

mod attempt;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::render;
use crate::state::State;
use crate::webhooks::Faults;

/// One event to deliver to one endpoint; the payload is fixed, the signature is made per attempt.
#[derive(Debug, Clone)]
pub struct Job {
    pub endpoint_id: String,
    pub event_id: String,
    pub payload: Vec<u8>,
    pub faults: Faults,
}

/// What every delivery task shares.
#[derive(Debug)]
pub struct Shared {
    pub state: Arc<Mutex<State>>,
    pub http: reqwest::Client,
    pub retry_schedule: Vec<Duration>,
}

/// Starts the delivery task on the current tokio runtime; it ends when the state is dropped.
pub fn spawn(state: Arc<Mutex<State>>, retry_schedule: Vec<Duration>, timeout: Duration) -> Result<(), reqwest::Error> {
    let http = reqwest::Client::builder().timeout(timeout).build()?;
    let mut signal = match state.lock() {
        Ok(state) => state.signal.0.subscribe(),
        Err(_) => return Ok(()),
    };
    let shared = Arc::new(Shared { state, http, retry_schedule });
    tokio::spawn(async move { dispatch(shared, &mut signal).await });
    Ok(())
}

async fn dispatch(shared: Arc<Shared>, signal: &mut watch::Receiver<usize>) {
    let mut workers: HashMap<String, mpsc::UnboundedSender<Job>> = HashMap::new();
    loop {
        for (endpoint_id, jobs) in collect(&shared.state) {
            let worker = workers.entry(endpoint_id).or_insert_with(|| attempt::spawn_worker(Arc::clone(&shared)));
            for job in jobs {
                // A worker ends only with the runtime, so a failed send means shutdown.
                if worker.send(job).is_err() {
                    return;
                }
            }
        }
        if signal.changed().await.is_err() {
            return;
        }
    }
}

/// Takes the events each endpoint has not been handed yet and renders their payloads.
fn collect(state: &Mutex<State>) -> Vec<(String, Vec<Job>)> {
    let Ok(mut state) = state.lock() else {
        return Vec::new();
    };
    let total = state.events.len();
    let mut batches = Vec::new();
    for index in 0..state.webhook_endpoints.len() {
        let endpoint = state.webhook_endpoints[index].clone();
        let version = endpoint.api_version.clone().unwrap_or_else(|| state.api_version.clone());
        let mut jobs = Vec::new();
        for event in state.events.iter().skip(endpoint.cursor).filter(|event| endpoint.subscribes(&event.event_type)) {
            match render::event(event, &version, state.pending_webhooks(&event.id)) {
                Ok(envelope) => jobs.push(Job {
                    endpoint_id: endpoint.id.clone(),
                    event_id: event.id.clone(),
                    payload: envelope.to_string().into_bytes(),
                    faults: event.faults,
                }),
                Err(error) => tracing::warn!(event = %event.id, %error, "an event could not be rendered for delivery"),
            }
        }
        state.webhook_endpoints[index].cursor = total;
        batches.push((endpoint.id, reordered(jobs)));
    }
    batches
}

/// Runs of events emitted while `reorder` was on are delivered newest first.
fn reordered(jobs: Vec<Job>) -> Vec<Job> {
    jobs.chunk_by(|a, b| a.faults.reorder == b.faults.reorder)
        .flat_map(|run| {
            let mut run = run.to_vec();
            if run.first().is_some_and(|job| job.faults.reorder) {
                run.reverse();
            }
            run
        })
        .collect()
}
