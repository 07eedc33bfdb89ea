//! Recording events once, under concurrency, and attaching organizations to them.

use std::sync::Arc;

use billing_core::ports::{Assignment, EventDisposition, EventStatus, LedgerError, RecordOutcome};

use super::{lease, Store};
use crate::fixtures::{at, event_id, new_event, org};

/// EC-11: a known event id answers "duplicate" and leaves the stored event as it was.
pub async fn recording_an_event_twice_reports_a_duplicate_and_changes_nothing<S: Store>(store: Arc<S>) {
    let first = new_event("dup", Some(&org(1)), "invoice.paid", 10, 11);
    assert_eq!(store.record(&first).await.unwrap(), RecordOutcome::Recorded);
    let before = store.get(&first.id).await.unwrap().unwrap();

    let mut resent = new_event("dup", Some(&org(2)), "customer.subscription.updated", 99, 120);
    resent.payload = b"{}".to_vec();
    assert_eq!(store.record(&resent).await.unwrap(), RecordOutcome::Duplicate);
    assert_eq!(store.get(&first.id).await.unwrap().unwrap(), before);

    // A duplicate arriving while the event is being processed does not disturb the lease.
    let claimed = store.claim_due("w1", at(20), lease(), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].payload, first.payload);
    assert_eq!(store.record(&resent).await.unwrap(), RecordOutcome::Duplicate);
    assert_eq!(store.get(&first.id).await.unwrap().unwrap().status, EventStatus::Processing);
    assert_eq!(store.row_counts().await.unwrap().webhook_events, 1);
    assert!(store.duplicate_ids().await.unwrap().is_empty());
}

/// 32 writers (many connections on Postgres) race to record the same ten events.
pub async fn thirty_two_concurrent_writers_record_each_event_exactly_once<S: Store>(store: Arc<S>) {
    let ids: Vec<String> = (0..10).map(|i| format!("race_{i}")).collect();
    let mut writers = Vec::new();
    for w in 0..32_usize {
        let (store, ids) = (Arc::clone(&store), ids.clone());
        writers.push(tokio::spawn(async move {
            let mut recorded = Vec::new();
            // Each writer walks the ids from a different starting point to vary the interleaving.
            for k in 0..ids.len() {
                let id = &ids[(k + w) % ids.len()];
                let event = new_event(id, Some(&org(w % 3)), "invoice.paid", 5, 6);
                if store.record(&event).await.unwrap() == RecordOutcome::Recorded {
                    recorded.push(id.clone());
                }
            }
            recorded
        }));
    }
    let mut recorded = Vec::new();
    for writer in writers {
        recorded.extend(writer.await.unwrap());
    }
    recorded.sort();
    assert_eq!(recorded, ids, "every id is recorded by exactly one writer");
    assert_eq!(store.row_counts().await.unwrap().webhook_events, 10);
    assert!(store.duplicate_ids().await.unwrap().is_empty());
    assert_eq!(store.backlog().await.unwrap(), 10);
}

/// An event recorded before its organization was known gets it later; every call naming an
/// event that was never recorded answers `NotFound`, not `LeaseLost`.
pub async fn assigning_an_organization_to_an_event_is_visible_and_unknown_events_are_not_found<S: Store>(store: Arc<S>) {
    let event = new_event("orphan", None, "charge.refunded", 1, 2);
    store.record(&event).await.unwrap();
    assert_eq!(store.get(&event.id).await.unwrap().unwrap().org_id, None);

    let claimed = store.claim_due("w1", at(3), lease(), 1).await.unwrap();
    assert_eq!(store.assign_org(&claimed[0].id, "w1", &org(7), at(3)).await.unwrap(), Assignment::Proceed);
    assert_eq!(store.get(&event.id).await.unwrap().unwrap().org_id, Some(org(7)));

    let missing = event_id("missing");
    let not_found = |result: Result<(), LedgerError>| matches!(result, Err(LedgerError::NotFound(ref id)) if *id == missing);
    assert!(not_found(store.assign_org(&missing, "w1", &org(7), at(3)).await.map(|_| ())), "assign_org");
    assert!(not_found(store.complete(&missing, "w1", EventDisposition::Ignored, at(3)).await), "complete");
    assert!(not_found(store.fail(&missing, "w1", "boom", at(4)).await), "fail");
    assert!(not_found(store.dead_letter(&missing, "w1", "boom", at(3)).await), "dead_letter");
    assert!(not_found(store.release(&missing, "w1").await), "release");
    assert!(store.get(&missing).await.unwrap().is_none());
    assert_eq!(store.row_counts().await.unwrap().webhook_events, 1, "nothing was created for the unknown id");
}
