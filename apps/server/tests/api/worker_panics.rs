//! A panic while processing an event fails that event alone: the worker that caught it goes on
//! with the other events, and an event that keeps panicking ends in the dead letter.
//!
//! No delivery is known to make processing panic, so the worker runs here with a decoder that
//! panics on one payload, against the real embedded store.

use std::sync::Arc;
use std::time::Duration;

use billing_core::ports::{Clock, DecodeError, DecodedEvent, EventDecoder, EventStatus, LedgerEntry, NewEvent, SystemClock, WebhookLedger};
use billing_core::retry::RetryPolicy;
use billing_core::services::EventProcessor;
use billing_core::{Catalog, Policy, Rules, StripeEventId};
use billing_server::adapters::UnconfiguredPayments;
use billing_server::metrics::Metrics;
use billing_server::state::{Clk, Ledger, Payments, Repo};
use billing_server::workers::{spawn_event_worker, Cadence};
use billing_sqlite::SqliteStore;
use tokio_util::sync::CancellationToken;

use crate::helpers::cadence;

/// Panics on the payload `boom`; reads anything else as an event billing ignores.
struct PanickyDecoder;

impl EventDecoder for PanickyDecoder {
    fn decode(&self, payload: &[u8]) -> Result<DecodedEvent, DecodeError> {
        if payload == b"boom" {
            panic!("the decoder choked");
        }
        Ok(DecodedEvent { event: None, org_hint: None, customer: None, livemode: false })
    }
}

fn event(id: &str, payload: &[u8]) -> NewEvent {
    let now = SystemClock.now();
    NewEvent {
        id: StripeEventId::parse(id).unwrap(),
        event_type: "invoice.paid".into(),
        created: now,
        api_version: None,
        livemode: false,
        org_id: None,
        payload: payload.to_vec(),
        verified_by: Some(0),
        received_at: now,
        set_aside: None,
    }
}

/// Waits up to ten seconds for event `id` to satisfy `done`.
async fn wait_for(ledger: &SqliteStore, id: &str, done: impl Fn(&LedgerEntry) -> bool) -> LedgerEntry {
    let id = StripeEventId::parse(id).unwrap();
    for _ in 0..200 {
        if let Some(entry) = ledger.get(&id).await.unwrap().filter(|e| done(e)) {
            return entry;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("event {id} never got there: {:?}", ledger.get(&id).await.unwrap());
}

#[tokio::test]
async fn an_event_whose_processing_panics_fails_alone_even_in_a_batch_goes_dead_after_the_attempts_cap_and_the_worker_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::connect(dir.path().join("billing.sqlite").to_str().unwrap()).await.unwrap());
    store.record(&event("evt_boom", b"boom")).await.unwrap();
    store.record(&event("evt_fine", b"fine")).await.unwrap();
    let rules = Arc::new(Rules { catalog: Catalog::default_catalog(), policy: Policy::default() });
    // Two attempts, the first retry after a second.
    let retry = RetryPolicy { base: chrono::Duration::seconds(1), max_attempts: 2, ..RetryPolicy::default() };
    let (repo, ledger): (Arc<Repo>, Arc<Ledger>) = (store.clone(), store.clone());
    let (payments, clock): (Arc<Payments>, Arc<Clk>) = (Arc::new(UnconfiguredPayments), Arc::new(SystemClock));
    let decoder: Arc<dyn EventDecoder> = Arc::new(PanickyDecoder);
    let processor = EventProcessor::new(repo, ledger, payments, decoder, clock, rules, retry);
    let (metrics, stop) = (Metrics::new().unwrap(), CancellationToken::new());
    let cadence = Cadence { idle_poll: Duration::from_millis(20), ..cadence() };
    let wake = Arc::new(tokio::sync::Notify::new());
    let worker = spawn_event_worker(Arc::new(processor), "w1".into(), 32, wake, metrics.clone(), cadence, stop.clone());

    let failed = wait_for(&store, "evt_boom", |e| e.status == EventStatus::Failed).await;
    assert_eq!(failed.last_error.as_deref(), Some("processing panicked: the decoder choked"));
    wait_for(&store, "evt_fine", |e| e.status == EventStatus::Ignored).await;
    let dead = wait_for(&store, "evt_boom", |e| e.status == EventStatus::Dead).await;
    assert_eq!((dead.attempts, dead.last_error.as_deref()), (2, failed.last_error.as_deref()));

    // The same worker is still there to take new events.
    store.record(&event("evt_later", b"later")).await.unwrap();
    wait_for(&store, "evt_later", |e| e.status == EventStatus::Ignored).await;
    assert!(!worker.is_finished());
    // The first round's batch panics, then evt_boom again alone while the batch is redone one
    // by one; the retry is a batch of one, whose panic fails it at once.
    assert!(metrics.render().contains("billing_worker_panics_total{worker=\"events\"} 3"), "{}", metrics.render());
    stop.cancel();
    worker.await.unwrap();
}
