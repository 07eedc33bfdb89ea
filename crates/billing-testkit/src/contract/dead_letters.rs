//! What is set aside rather than retried: outbox rows that do not decode, and ledger events
//! ignored with a reason. Also the receipt time a claim hands out, which retry horizons count from.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use billing_core::ports::{Commit, EventDisposition, EventStatus, LedgerError, LedgerFilter, NewEvent, RecordOutcome};
use billing_core::Notice;

use super::{free, lease, Store};
use crate::fixtures::{at, event_id, new_event, org};

/// A future a [`RawSql`] call returns.
pub type RawFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// SQL straight on a store's database, for what no port writes, such as a corrupted row.
/// Each store's test crate implements it; the SQL given is valid in both dialects.
pub trait RawSql: Send + Sync {
    /// Runs `sql`, returning how many rows it changed; panics on a database error.
    fn execute<'a>(&'a self, sql: &'a str) -> RawFuture<'a, u64>;
    /// The first column, as text, of every row `sql` selects; panics on a database error.
    fn texts<'a>(&'a self, sql: &'a str) -> RawFuture<'a, Vec<Option<String>>>;
}

/// A row whose notice no version of this code can read stops neither the claim it is part of
/// nor the ones after it: it comes back as undecodable, and once dead-lettered it is never
/// claimed again while its reason stays on the row.
pub async fn an_undecodable_notice_is_reported_alone_and_once_dead_lettered_never_claimed_again<S: Store>(store: Arc<S>, raw: &dyn RawSql) {
    let notices = vec![Notice::PaymentActionRequired, Notice::EndsOn { date: at(30) }, Notice::Canceled { at: None }];
    let state = store.load_or_create(&org(1), &free()).await.unwrap();
    let commit = Commit { state, audit: Vec::new(), notices, event: None, next_timer_at: None, at: at(1) };
    store.commit(commit).await.unwrap();
    let corrupted = raw.execute(r#"UPDATE notification_outbox SET notice = '{"kind":"from_the_future"}' WHERE kind = 'ends_on'"#).await;
    assert_eq!(corrupted, 1);

    let claim = store.claim_outbox(at(100), at(130), 10).await.unwrap();
    let kinds: Vec<&str> = claim.items.iter().map(|i| i.notice.kind()).collect();
    assert_eq!(kinds, ["payment_action_required", "canceled"], "the readable notices are delivered");
    assert_eq!(claim.undecodable.len(), 1);
    let bad = &claim.undecodable[0];
    assert!(claim.items[0].id < bad.id && bad.id < claim.items[1].id);
    assert!(bad.reason.contains("from_the_future"), "the reason names what could not be read: {}", bad.reason);

    store.outbox_dead_letter(bad.id, &format!("undecodable notice: {}", bad.reason), at(101)).await.unwrap();
    let again = store.claim_outbox(at(200), at(230), 10).await.unwrap();
    assert_eq!(again.items.iter().map(|i| i.id).collect::<Vec<_>>(), claim.items.iter().map(|i| i.id).collect::<Vec<_>>());
    assert!(again.undecodable.is_empty(), "a dead-lettered row is never claimed again");
    let reasons = raw.texts("SELECT last_error FROM notification_outbox WHERE dead_at IS NOT NULL").await;
    assert_eq!(reasons.len(), 1);
    assert!(reasons[0].as_deref().is_some_and(|r| r.starts_with("undecodable notice: ")), "{reasons:?}");
    assert_eq!(store.row_counts().await.unwrap().outbox, 3, "nothing is deleted");
}

/// An ignored event is finished with the reason as its last error, leaves the backlog, is listed
/// under its status and can be replayed; only the lease holder may ignore it.
pub async fn an_event_set_aside_as_ignored_keeps_its_reason_and_can_be_replayed<S: Store>(store: Arc<S>) {
    let id = event_id("orphan");
    store.record(&new_event("orphan", None, "invoice.paid", 1, 2)).await.unwrap();
    let claimed = store.claim_due("w1", at(3_700), lease(), 10).await.unwrap();
    assert_eq!(claimed.iter().map(|c| (&c.id, c.received_at)).collect::<Vec<_>>(), [(&id, at(2))], "a claim tells when it was received");
    let reason = "no organization owns the event's customer or subscription";
    assert!(matches!(store.ignore(&id, "w2", reason, at(3_701)).await, Err(LedgerError::LeaseLost(_))));
    assert!(matches!(store.ignore(&event_id("nope"), "w1", reason, at(3_701)).await, Err(LedgerError::NotFound(_))));
    store.ignore(&id, "w1", reason, at(3_701)).await.unwrap();

    let entry = store.get(&id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.processed_at, entry.next_attempt_at), (EventStatus::Ignored, Some(at(3_701)), None));
    assert_eq!(entry.last_error.as_deref(), Some(reason));
    assert_eq!(store.backlog().await.unwrap(), 0);
    let listed = store.list(&LedgerFilter { status: Some(EventStatus::Ignored), limit: 10, ..LedgerFilter::default() }).await.unwrap();
    assert_eq!(listed, [entry]);
    store.replay(&id, "ops", at(4_000)).await.unwrap();
    assert_eq!(store.get(&id).await.unwrap().unwrap().status, EventStatus::Received);
}

/// An event recorded set aside (of the other Stripe mode) is finished as ignored from the start:
/// never claimed, outside the backlog, its reason kept, and a repeat of it is a duplicate that
/// changes nothing. A replay makes it due like any ignored event; the worker's own check then
/// decides.
pub async fn an_event_recorded_set_aside_is_never_claimed_until_replayed<S: Store>(store: Arc<S>) {
    let reason = "a test mode event; this installation serves live mode";
    let set_aside = NewEvent { set_aside: Some(reason.to_owned()), ..new_event("other_mode", Some(&org(1)), "invoice.paid", 1, 2) };
    assert_eq!(store.record(&set_aside).await.unwrap(), RecordOutcome::Recorded);
    let due = new_event("same_org_later", Some(&org(1)), "invoice.paid", 5, 6);
    store.record(&due).await.unwrap();

    let entry = store.get(&set_aside.id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.processed_at), (EventStatus::Ignored, Some(at(2))));
    assert_eq!(entry.last_error.as_deref(), Some(reason));
    let claimed = store.claim_due("w1", at(10), lease(), 10).await.unwrap();
    let ids: Vec<_> = claimed.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, std::slice::from_ref(&due.id), "the set-aside event is never claimed and does not hold back its organization");
    assert_eq!(store.backlog().await.unwrap(), 1);

    let repeat = NewEvent { set_aside: None, ..set_aside.clone() };
    assert_eq!(store.record(&repeat).await.unwrap(), RecordOutcome::Duplicate);
    assert_eq!(store.get(&set_aside.id).await.unwrap().unwrap().status, EventStatus::Ignored, "a repeat changes nothing");

    store.complete(&due.id, "w1", EventDisposition::Processed, at(11)).await.unwrap();
    store.replay(&set_aside.id, "ops", at(20)).await.unwrap();
    let again = store.claim_due("w2", at(21), lease(), 10).await.unwrap();
    assert_eq!(again.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), [set_aside.id]);
}
