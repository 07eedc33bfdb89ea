//! The monitoring queries of the edge-case catalogue (EC-2, EC-9, EC-11, EC-13).

use std::sync::Arc;

use billing_core::ports::{EventDisposition, EventStatus, LedgerEntry, LedgerFilter, RecordOutcome};
use billing_core::SubscriptionStatus;
use chrono::Duration;

use super::{free, lease, Store};
use crate::fixtures::{at, commit_of, decide_event, event_id, new_event, org, payment_failed_event, rules, subscription_event};

const DAY: i64 = 86_400;

fn ids(entries: &[LedgerEntry]) -> Vec<String> {
    entries.iter().map(|e| e.id.as_str().to_owned()).collect()
}

fn filter() -> LedgerFilter {
    LedgerFilter { limit: 50, ..LedgerFilter::default() }
}

/// Organizations 1 and 2 end up past due, organization 3 stays active.
async fn make_past_due_orgs<S: Store>(store: &S) {
    let rules = rules();
    for n in 1..=3 {
        let state = store.load_or_create(&org(n), &free()).await.unwrap();
        let active =
            decide_event(&rules, &state, subscription_event(&format!("s{n}"), n, SubscriptionStatus::Active, "price_team", 10), at(11));
        store.commit(commit_of(&rules, &active, None, at(11))).await.unwrap();
        if n < 3 {
            let loaded = store.load(&org(n)).await.unwrap().unwrap();
            let failed = decide_event(&rules, &loaded, payment_failed_event(&format!("f{n}"), n, 20), at(21));
            store.commit(commit_of(&rules, &failed, None, at(21))).await.unwrap();
        }
    }
}

/// A failed, a dead, a fast and a slow event (processed 2 s and 9 s after receipt).
async fn make_finished_events<S: Store>(store: &S) {
    for (id, n, received) in [("failing", 10, 100), ("dying", 11, 100), ("fast", 12, 100), ("slow", 13, 100)] {
        store.record(&new_event(id, Some(&org(n)), "customer.subscription.updated", received - 50, received)).await.unwrap();
    }
    assert_eq!(store.claim_due("w1", at(101), lease(), 10).await.unwrap().len(), 4);
    store.fail(&event_id("failing"), "w1", "card_declined", at(110)).await.unwrap();
    store.dead_letter(&event_id("dying"), "w1", "unknown price", at(101)).await.unwrap();
    store.complete(&event_id("fast"), "w1", EventDisposition::Processed, at(102)).await.unwrap();
    store.complete(&event_id("slow"), "w1", EventDisposition::Processed, at(109)).await.unwrap();
}

/// Past-due organizations, recent payment failures, failed and slow webhooks, no duplicates.
pub async fn the_seed_monitoring_queries_find_what_they_look_for<S: Store>(store: Arc<S>) {
    make_past_due_orgs(&*store).await;
    assert_eq!(store.past_due(10).await.unwrap(), [org(1), org(2)]);
    assert_eq!(store.past_due(1).await.unwrap(), [org(1)]);
    assert_eq!(store.past_due_count().await.unwrap(), 2);

    make_finished_events(&*store).await;
    let failed = store.list(&LedgerFilter { status: Some(EventStatus::Failed), ..filter() }).await.unwrap();
    assert_eq!(ids(&failed), ["evt_failing"]);
    assert_eq!(failed[0].last_error.as_deref(), Some("card_declined"));
    assert_eq!(ids(&store.list(&LedgerFilter { status: Some(EventStatus::Dead), ..filter() }).await.unwrap()), ["evt_dying"]);
    let slow = store.list(&LedgerFilter { slower_than: Some(Duration::seconds(5)), ..filter() }).await.unwrap();
    assert_eq!(ids(&slow), ["evt_slow"]);
    assert_eq!(ids(&store.list(&LedgerFilter { org_id: Some(org(12)), ..filter() }).await.unwrap()), ["evt_fast"]);

    let now = 30 * DAY;
    for (id, event_type, age) in [
        ("pf_1d", "invoice.payment_failed", DAY),
        ("pf_3d", "invoice.payment_failed", 3 * DAY),
        ("pf_8d", "invoice.payment_failed", 8 * DAY),
        ("upd_1d", "customer.subscription.updated", DAY),
    ] {
        store.record(&new_event(id, Some(&org(20)), event_type, now - age - 5, now - age)).await.unwrap();
    }
    let recent = LedgerFilter { event_type: Some("invoice.payment_failed".into()), since: Some(at(now - 7 * DAY)), ..filter() };
    assert_eq!(ids(&store.list(&recent).await.unwrap()), ["evt_pf_1d", "evt_pf_3d"], "newest first, last 7 days only");
    assert_eq!(
        ids(&store.list(&LedgerFilter { limit: 2, ..LedgerFilter::default() }).await.unwrap()),
        ["evt_upd_1d", "evt_pf_1d"],
        "ties newest id first"
    );

    assert_eq!(store.record(&new_event("pf_1d", Some(&org(20)), "invoice.payment_failed", 1, 2)).await.unwrap(), RecordOutcome::Duplicate);
    assert!(store.duplicate_ids().await.unwrap().is_empty());
    assert_eq!(store.backlog().await.unwrap(), 5, "four received and one failed");
}
