//! The ledger list with each filter field set alone and with all of them set together.

use std::sync::Arc;

use billing_core::ports::{EventDisposition, EventStatus, LedgerEntry, LedgerFilter};
use chrono::Duration;

use super::{lease, Store};
use crate::fixtures::{at, event_id, new_event, org};

const FAILED: &str = "invoice.payment_failed";
const UPDATED: &str = "customer.subscription.updated";

fn ids(entries: &[LedgerEntry]) -> Vec<String> {
    entries.iter().map(|e| e.id.as_str().to_owned()).collect()
}

/// Records event `id` and finishes it alone: processed `took` seconds after receipt, or failed.
async fn finish<S: Store>(store: &S, id: &str, (n, event_type): (usize, &str), received: i64, took: Option<i64>) {
    store.record(&new_event(id, Some(&org(n)), event_type, received - 5, received)).await.unwrap();
    assert_eq!(store.claim_due("w1", at(received), lease(), 10).await.unwrap().len(), 1);
    match took {
        Some(secs) => store.complete(&event_id(id), "w1", EventDisposition::Processed, at(received + secs)).await.unwrap(),
        None => store.fail(&event_id(id), "w1", "card_declined", at(received + 60)).await.unwrap(),
    }
}

/// Each field narrows the list on its own, and all of them together leave the one event that
/// matches every one, so each condition binds its own value.
pub async fn every_ledger_filter_narrows_the_list_alone_and_all_together<S: Store>(store: Arc<S>) {
    finish(&*store, "match", (1, FAILED), 100, Some(10)).await;
    finish(&*store, "quick", (1, FAILED), 101, Some(1)).await;
    finish(&*store, "other_org", (2, FAILED), 102, Some(10)).await;
    finish(&*store, "other_type", (1, UPDATED), 103, Some(10)).await;
    finish(&*store, "old", (1, FAILED), 10, Some(10)).await;
    finish(&*store, "failing", (1, FAILED), 104, None).await;
    let list = |filter: LedgerFilter| {
        let store = Arc::clone(&store);
        async move { ids(&store.list(&LedgerFilter { limit: 10, ..filter }).await.unwrap()) }
    };
    assert_eq!(list(LedgerFilter { status: Some(EventStatus::Failed), ..LedgerFilter::default() }).await, ["evt_failing"]);
    assert_eq!(list(LedgerFilter { event_type: Some(UPDATED.into()), ..LedgerFilter::default() }).await, ["evt_other_type"]);
    assert_eq!(list(LedgerFilter { org_id: Some(org(2)), ..LedgerFilter::default() }).await, ["evt_other_org"]);
    let recent = list(LedgerFilter { since: Some(at(50)), ..LedgerFilter::default() }).await;
    assert_eq!(recent, ["evt_failing", "evt_other_type", "evt_other_org", "evt_quick", "evt_match"]);
    let slow = list(LedgerFilter { slower_than: Some(Duration::seconds(5)), ..LedgerFilter::default() }).await;
    assert_eq!(slow, ["evt_other_type", "evt_other_org", "evt_match", "evt_old"]);
    let all = LedgerFilter {
        status: Some(EventStatus::Processed),
        event_type: Some(FAILED.into()),
        org_id: Some(org(1)),
        since: Some(at(50)),
        slower_than: Some(Duration::seconds(5)),
        limit: 10,
    };
    assert_eq!(list(all).await, ["evt_match"]);
}
