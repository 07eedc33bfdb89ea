//! Events recorded before their organization was known: once a worker learns it, the event
//! joins that organization's queue without breaking its exclusivity or its order.

use std::sync::Arc;

use billing_core::ports::{Assignment, EventDisposition, EventStatus, LedgerError};

use super::{lease, Store};
use crate::fixtures::{at, event_id, new_event, org};

/// With nothing else of the organization waiting, the worker applies the event at once, and
/// the organization's other events wait behind it from then on.
pub async fn an_organization_learned_late_is_applied_at_once_when_nothing_else_waits<S: Store>(store: Arc<S>) {
    store.record(&new_event("loose", None, "invoice.paid", 1, 2)).await.unwrap();
    let claimed = store.claim_due("w1", at(10), lease(), 1).await.unwrap();
    assert_eq!(store.assign_org(&claimed[0].id, "w1", &org(7), at(10)).await.unwrap(), Assignment::Proceed);
    let entry = store.get(&claimed[0].id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.org_id), (EventStatus::Processing, Some(org(7))));

    store.record(&new_event("newer", Some(&org(7)), "invoice.paid", 5, 11)).await.unwrap();
    assert!(store.claim_due("w2", at(11), lease(), 10).await.unwrap().is_empty(), "the organization is busy");
    store.complete(&claimed[0].id, "w1", EventDisposition::Processed, at(12)).await.unwrap();
    assert_eq!(store.claim_due("w2", at(13), lease(), 10).await.unwrap()[0].id, event_id("newer"));
}

/// Another worker holds an event of the organization: the late event is handed back, its
/// attempt given back, and it runs once the organization is free.
pub async fn an_organization_learned_late_waits_for_its_event_in_flight<S: Store>(store: Arc<S>) {
    store.record(&new_event("loose", None, "invoice.paid", 1, 2)).await.unwrap();
    store.record(&new_event("named", Some(&org(7)), "customer.subscription.updated", 5, 3)).await.unwrap();
    let loose = store.claim_due("w1", at(10), lease(), 1).await.unwrap();
    let named = store.claim_due("w2", at(10), lease(), 1).await.unwrap();
    assert_eq!((loose[0].id.clone(), named[0].id.clone()), (event_id("loose"), event_id("named")));

    assert_eq!(store.assign_org(&loose[0].id, "w1", &org(7), at(11)).await.unwrap(), Assignment::HandedBack);
    let entry = store.get(&loose[0].id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.org_id.clone(), entry.attempts), (EventStatus::Received, Some(org(7)), 0));
    assert!(store.claim_due("w3", at(12), lease(), 10).await.unwrap().is_empty(), "it waits behind the event in flight");

    store.complete(&named[0].id, "w2", EventDisposition::Processed, at(13)).await.unwrap();
    let again = store.claim_due("w3", at(14), lease(), 10).await.unwrap();
    assert_eq!((again[0].id.clone(), again[0].org_id.clone()), (event_id("loose"), Some(org(7))));
}

/// An older event of the organization is waiting to be retried: the late event goes after it,
/// as it would have had its organization been known from the start.
pub async fn an_organization_learned_late_waits_behind_an_older_unfinished_event<S: Store>(store: Arc<S>) {
    store.record(&new_event("older", Some(&org(7)), "invoice.payment_failed", 1, 2)).await.unwrap();
    let older = store.claim_due("w1", at(10), lease(), 1).await.unwrap();
    store.fail(&older[0].id, "w1", "Stripe unavailable", at(500)).await.unwrap();
    store.record(&new_event("loose", None, "invoice.paid", 5, 11)).await.unwrap();
    let loose = store.claim_due("w2", at(12), lease(), 10).await.unwrap();
    assert_eq!(loose.len(), 1);
    assert_eq!(store.assign_org(&loose[0].id, "w2", &org(7), at(12)).await.unwrap(), Assignment::HandedBack);

    assert!(store.claim_due("w2", at(13), lease(), 10).await.unwrap().is_empty(), "the older event is not due yet");
    let retried = store.claim_due("w3", at(501), lease(), 10).await.unwrap();
    assert_eq!(retried.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), [event_id("older")]);
}

/// Only the holder of the lease may assign; anyone else changes nothing.
pub async fn assigning_an_organization_needs_the_lease<S: Store>(store: Arc<S>) {
    store.record(&new_event("loose", None, "invoice.paid", 1, 2)).await.unwrap();
    let claimed = store.claim_due("w1", at(10), lease(), 1).await.unwrap();
    let result = store.assign_org(&claimed[0].id, "w2", &org(7), at(10)).await;
    assert!(matches!(result, Err(LedgerError::LeaseLost(ref id)) if *id == claimed[0].id), "{result:?}");
    let entry = store.get(&claimed[0].id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.org_id), (EventStatus::Processing, None));
}
