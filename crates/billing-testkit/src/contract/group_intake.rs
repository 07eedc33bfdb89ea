//! Recording many events with one commit: the answers of `record`, in order, and each id once
//! even when batches race.

use std::sync::Arc;

use billing_core::ports::{EventStatus, NewEvent, RecordOutcome};

use super::Store;
use crate::fixtures::{at, new_event, org};

/// A batch answers for each event in order: new ids recorded with every field, an id recorded
/// before and a second copy in the same batch duplicates, and a set-aside event ignored.
pub async fn a_batch_of_deliveries_is_recorded_in_one_call_answering_each_in_order<S: Store>(store: Arc<S>) {
    assert!(store.record_many(&[]).await.unwrap().is_empty());
    let known = new_event("known", Some(&org(3)), "invoice.paid", 1, 2);
    store.record(&known).await.unwrap();
    let first = NewEvent { verified_by: Some(1), ..new_event("a", Some(&org(1)), "invoice.paid", 5, 6) };
    let copy = NewEvent { payload: b"{\"copy\":true}".to_vec(), ..new_event("a", Some(&org(2)), "invoice.paid", 5, 7) };
    let unowned = new_event("b", None, "customer.subscription.updated", 4, 6);
    let aside = NewEvent { set_aside: Some("other mode".into()), ..new_event("c", None, "invoice.paid", 3, 6) };
    let batch = [first.clone(), known.clone(), copy, unowned.clone(), aside.clone()];

    let outcomes = store.record_many(&batch).await.unwrap();
    use RecordOutcome::{Duplicate, Recorded};
    assert_eq!(outcomes, [Recorded, Duplicate, Duplicate, Recorded, Recorded]);
    let stored = store.get(&first.id).await.unwrap().unwrap();
    assert_eq!((stored.org_id, stored.verified_by, stored.received_at), (Some(org(1)), Some(1), at(6)), "the first copy is kept");
    assert_eq!(store.get(&unowned.id).await.unwrap().unwrap().status, EventStatus::Received);
    assert_eq!(store.get(&aside.id).await.unwrap().unwrap().status, EventStatus::Ignored);
    let claimed = store.claim_due("w1", at(10), super::lease(), 10).await.unwrap();
    let a = claimed.iter().find(|c| c.id == first.id).unwrap();
    assert_eq!((a.payload.as_slice(), a.created), (first.payload.as_slice(), at(5)), "payload and Stripe time as given");
    assert_eq!(store.row_counts().await.unwrap().webhook_events, 4);
    assert_eq!(store.record_many(&batch).await.unwrap(), [Duplicate; 5], "a repeated batch records nothing");
}

/// Eight writers race overlapping batches of the same twenty ids: each id is recorded by
/// exactly one answer across all of them, and stored once.
pub async fn concurrent_overlapping_batches_record_each_event_exactly_once<S: Store>(store: Arc<S>) {
    let ids: Vec<String> = (0..20).map(|i| format!("group_{i}")).collect();
    let mut writers = Vec::new();
    for w in 0..8_usize {
        let (store, ids) = (Arc::clone(&store), ids.clone());
        writers.push(tokio::spawn(async move {
            // Each writer sends every id twice, in batches of seven from its own starting point.
            let order: Vec<&String> = (0..ids.len() * 2).map(|k| &ids[(k * 3 + w) % ids.len()]).collect();
            let mut recorded = Vec::new();
            for chunk in order.chunks(7) {
                let batch: Vec<NewEvent> = chunk.iter().map(|id| new_event(id, Some(&org(w % 3)), "invoice.paid", 5, 6)).collect();
                let outcomes = store.record_many(&batch).await.unwrap();
                recorded.extend(
                    batch.iter().zip(outcomes).filter(|(_, o)| *o == RecordOutcome::Recorded).map(|(e, _)| e.id.as_str().to_owned()),
                );
            }
            recorded
        }));
    }
    let mut recorded = Vec::new();
    for writer in writers {
        recorded.extend(writer.await.unwrap());
    }
    recorded.sort();
    let mut expected: Vec<String> = ids.iter().map(|i| format!("evt_{i}")).collect();
    expected.sort();
    assert_eq!(recorded, expected, "every id is recorded by exactly one answer");
    assert_eq!(store.row_counts().await.unwrap().webhook_events, 20);
    assert!(store.duplicate_ids().await.unwrap().is_empty());
}
