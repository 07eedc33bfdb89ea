//! What the operator commands read and write: paid organizations page by page, the EC-14
//! consistency check with disagreements made on purpose, recovered events with who recovered
//! them, and ledger rows with their payloads.

use std::sync::Arc;

use billing_core::ports::{EventDisposition, EventStatus, Inconsistency, InconsistencyKind, LedgerFilter, NewEvent, RecordOutcome};
use billing_core::{StripeEvent, SubscriptionStatus};

use super::{free, lease, Store};
use crate::fixtures::{at, commit_of, decide_event, done, event_id, new_event, org, payment_failed_event, rules, subscription_event};

/// A subscription event `evt_<id>` of organization `n` about subscription `sub_<sub>`, with a
/// payload naming that subscription as its object, as Stripe's do.
fn subscription_row(id: &str, n: usize, event_type: &str, sub: usize, created: i64) -> NewEvent {
    let payload = format!(r#"{{"id":"evt_{id}","type":"{event_type}","data":{{"object":{{"id":"sub_{sub}","object":"subscription"}}}}}}"#);
    NewEvent { payload: payload.into_bytes(), ..new_event(id, Some(&org(n)), event_type, created, created + 1) }
}

/// Records `row` for organization `n` and applies `event` (its content) as a worker does: decided on the stored
/// state and committed together with the event's final status.
async fn applied<S: Store>(store: &S, row: NewEvent, n: usize, event: StripeEvent) {
    let rules = rules();
    let (id, now) = (row.id.clone(), row.received_at);
    store.record(&row).await.unwrap();
    let claimed = store.claim_due("w1", now, lease(), 10).await.unwrap();
    assert_eq!(claimed.iter().map(|c| &c.id).collect::<Vec<_>>(), [&id]);
    let state = store.load_or_create(&org(n), &free()).await.unwrap();
    let decision = decide_event(&rules, &state, event, now);
    store.commit(commit_of(&rules, &decision, Some(done(&id, "w1")), now)).await.unwrap();
}

/// Records `row` and marks it processed without applying it: the disagreement EC-14 looks for.
async fn processed_but_not_applied<S: Store>(store: &S, row: NewEvent) {
    let (id, now) = (row.id.clone(), row.received_at);
    store.record(&row).await.unwrap();
    assert_eq!(store.claim_due("w1", now, lease(), 10).await.unwrap().len(), 1);
    store.complete(&id, "w1", EventDisposition::Processed, now).await.unwrap();
}

/// Organization `n` on an active Team subscription `sub_<n>`, applied from event `evt_a<n>`.
async fn active<S: Store>(store: &S, n: usize, created: i64) {
    let id = format!("a{n}");
    let row = subscription_row(&id, n, "customer.subscription.updated", n, created);
    applied(store, row, n, subscription_event(&id, n, SubscriptionStatus::Active, "price_team", created)).await;
}

/// Only organizations with a live subscription are listed, by id, in pages that start after
/// the last id of the previous page.
pub async fn paid_organizations_are_paged_by_id_leaving_out_free_and_ended_ones<S: Store>(store: Arc<S>) {
    let rules = rules();
    for n in [1, 2, 3, 5, 6, 7] {
        active(&*store, n, 10 * i64::try_from(n).unwrap()).await;
    }
    store.load_or_create(&org(4), &free()).await.unwrap();
    let state = store.load(&org(6)).await.unwrap().unwrap();
    let ended = decide_event(&rules, &state, subscription_event("end6", 6, SubscriptionStatus::Canceled, "price_team", 100), at(100));
    store.commit(commit_of(&rules, &ended, None, at(100))).await.unwrap();
    let state = store.load(&org(7)).await.unwrap().unwrap();
    let failed = decide_event(&rules, &state, payment_failed_event("f7", 7, 110), at(110));
    store.commit(commit_of(&rules, &failed, None, at(110))).await.unwrap();
    assert_eq!(store.load(&org(7)).await.unwrap().unwrap().status(), SubscriptionStatus::PastDue);

    assert_eq!(store.paid_orgs(None, 2).await.unwrap(), [org(1), org(2)]);
    assert_eq!(store.paid_orgs(Some(org(2)), 2).await.unwrap(), [org(3), org(5)]);
    assert_eq!(store.paid_orgs(Some(org(5)), 2).await.unwrap(), [org(7)], "past due is still paid; canceled and free are not");
    assert!(store.paid_orgs(Some(org(7)), 2).await.unwrap().is_empty());
    assert_eq!(store.paid_orgs(Some(org(4)), 10).await.unwrap(), [org(5), org(7)], "a page may start after an unlisted id");
}

/// A consistent store reports nothing; each kind of disagreement, made on purpose, is reported
/// once, by organization, with the event and its ledger status.
pub async fn the_consistency_check_reports_each_disagreement_made_on_purpose_and_nothing_else<S: Store>(store: Arc<S>) {
    let rules = rules();
    for n in 1..=5 {
        active(&*store, n, 10).await;
    }
    assert_eq!(store.consistency_problems(10).await.unwrap(), [], "applied events agree with their organizations");

    // Organization 1: a newer update of its subscription marked processed but never applied.
    processed_but_not_applied(&*store, subscription_row("s1", 1, "customer.subscription.updated", 1, 20)).await;
    // Not disagreements: an older update, and a newer one of another subscription.
    processed_but_not_applied(&*store, subscription_row("old1", 1, "customer.subscription.updated", 1, 5)).await;
    processed_but_not_applied(&*store, subscription_row("other1", 1, "customer.subscription.updated", 9, 30)).await;
    // Organization 2: its subscription's deletion processed while it stays active.
    processed_but_not_applied(&*store, subscription_row("d2", 2, "customer.subscription.deleted", 2, 30)).await;
    // Organization 3: a watermark naming an event the ledger never held.
    let state = store.load(&org(3)).await.unwrap().unwrap();
    let ghost = decide_event(&rules, &state, subscription_event("ghost", 3, SubscriptionStatus::Active, "price_solo", 40), at(40));
    store.commit(commit_of(&rules, &ghost, None, at(40))).await.unwrap();
    // Organization 4: a watermark naming an event the ledger holds but has not processed.
    store.record(&subscription_row("queued", 4, "customer.subscription.updated", 4, 50)).await.unwrap();
    let state = store.load(&org(4)).await.unwrap().unwrap();
    let queued = decide_event(&rules, &state, subscription_event("queued", 4, SubscriptionStatus::Active, "price_solo", 50), at(50));
    store.commit(commit_of(&rules, &queued, None, at(50))).await.unwrap();

    let found = |n: usize, kind, id: &str, event_status| Inconsistency { org_id: org(n), kind, event_id: event_id(id), event_status };
    let all = [
        found(1, InconsistencyKind::SnapshotNotApplied, "s1", Some(EventStatus::Processed)),
        found(2, InconsistencyKind::DeletionNotApplied, "d2", Some(EventStatus::Processed)),
        found(3, InconsistencyKind::WatermarkEventNotProcessed, "ghost", None),
        found(4, InconsistencyKind::WatermarkEventNotProcessed, "queued", Some(EventStatus::Received)),
    ];
    assert_eq!(store.consistency_problems(10).await.unwrap(), all);
    assert_eq!(store.consistency_problems(2).await.unwrap(), all[..2]);
}

/// A recovered page is recorded once per event, with a note of who recovered each event it
/// recorded; events the ledger already held get no note.
pub async fn recovered_events_are_recorded_once_with_who_recovered_them<S: Store>(store: Arc<S>) {
    let (a, b, c) = (
        new_event("ra", Some(&org(1)), "invoice.paid", 1, 10),
        new_event("rb", None, "invoice.paid", 2, 10),
        new_event("rc", None, "invoice.paid", 3, 20),
    );
    let aside = NewEvent { set_aside: Some("a live mode event".to_owned()), ..new_event("rd", None, "invoice.paid", 4, 10) };
    let first = store.record_recovered(&[a.clone(), b.clone(), a.clone(), aside], "alice", at(50)).await.unwrap();
    assert_eq!(first, [RecordOutcome::Recorded, RecordOutcome::Recorded, RecordOutcome::Duplicate, RecordOutcome::Recorded]);
    let second = store.record_recovered(&[a.clone(), c.clone()], "bob", at(60)).await.unwrap();
    assert_eq!(second, [RecordOutcome::Duplicate, RecordOutcome::Recorded]);
    assert!(store.record_recovered(&[], "bob", at(70)).await.unwrap().is_empty());

    let history = store.event_history(&a.id).await.unwrap();
    let notes: Vec<_> = history.iter().map(|h| (h.action.as_str(), h.actor.as_str(), h.from_status.as_str(), h.at)).collect();
    assert_eq!(notes, [("recover", "alice", "absent", at(50))]);
    assert_eq!(store.event_history(&c.id).await.unwrap()[0].actor, "bob");
    assert_eq!(store.row_counts().await.unwrap().event_audit, 4);
    let entry = store.get(&a.id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.org_id), (EventStatus::Received, Some(org(1))));
    assert_eq!(store.get(&event_id("rd")).await.unwrap().unwrap().status, EventStatus::Ignored, "set aside as it would be delivered");
}

/// Rows with payloads are the rows the same filter lists, each with the bytes recorded.
pub async fn ledger_rows_come_with_their_payloads_under_the_lists_filter<S: Store>(store: Arc<S>) {
    for (id, event_type, received) in
        [("p1", "invoice.payment_failed", 10), ("p2", "invoice.paid", 20), ("p3", "invoice.payment_failed", 30)]
    {
        store.record(&new_event(id, Some(&org(1)), event_type, received - 1, received)).await.unwrap();
    }
    let filter =
        LedgerFilter { event_type: Some("invoice.payment_failed".to_owned()), since: Some(at(5)), limit: 10, ..LedgerFilter::default() };
    let rows = store.list_payloads(&filter).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.entry.clone()).collect::<Vec<_>>(), store.list(&filter).await.unwrap());
    assert_eq!(rows.iter().map(|r| r.entry.id.as_str()).collect::<Vec<_>>(), ["evt_p3", "evt_p1"]);
    assert_eq!(rows[0].payload, new_event("p3", Some(&org(1)), "invoice.payment_failed", 29, 30).payload);
    let narrower = LedgerFilter { since: Some(at(15)), ..filter };
    assert_eq!(store.list_payloads(&narrower).await.unwrap().len(), 1);
}
