//! Failure handling: the backoff schedule, dead-lettering and operator replay.

use std::sync::Arc;

use billing_core::ports::{EventDisposition, EventStatus, LedgerError, LedgerFilter};
use billing_core::retry::{RetryDecision, RetryPolicy};
use billing_store::MAX_ERROR_BYTES;
use chrono::Duration;

use super::{lease, Store};
use crate::fixtures::{at, event_id, new_event, org};

fn delay(policy: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    match policy.after_failure(attempt, jitter) {
        RetryDecision::RetryIn(d) => d,
        RetryDecision::GiveUp => panic!("attempt {attempt} should be retried"),
    }
}

/// Failed attempts come back after 2 s, 4 s, 8 s (plus the caller's jitter), not before.
pub async fn a_failed_event_is_retried_on_the_backoff_schedule<S: Store>(store: Arc<S>) {
    let policy = RetryPolicy::default();
    store.record(&new_event("flaky", Some(&org(1)), "invoice.paid", 1, 2)).await.unwrap();
    store.record(&new_event("behind", Some(&org(1)), "invoice.paid", 2, 3)).await.unwrap();
    let id = event_id("flaky");
    let mut now = at(100);
    for (attempt, seconds) in [(1, 2), (2, 4), (3, 8)] {
        let claimed = store.claim_due("w1", now, lease(), 10).await.unwrap();
        assert_eq!(claimed.iter().map(|c| (&c.id, c.attempts)).collect::<Vec<_>>(), [(&id, attempt - 1)]);
        let wait = delay(&policy, attempt, 0.0);
        assert_eq!(wait, Duration::seconds(seconds));
        store.fail(&id, "w1", "Stripe API timeout", now + wait).await.unwrap();

        let entry = store.get(&id).await.unwrap().unwrap();
        assert_eq!((entry.status, entry.attempts, entry.next_attempt_at), (EventStatus::Failed, attempt, Some(now + wait)));
        assert_eq!(entry.last_error.as_deref(), Some("Stripe API timeout"));
        let early = store.claim_due("w1", now + wait - Duration::milliseconds(1), lease(), 10).await.unwrap();
        assert!(early.is_empty(), "not due yet, and the organization's next event waits behind it");
        now += wait;
    }
    // The caller's jitter is stored as given: 16 s plus half of the 25 % allowance.
    store.claim_due("w1", now, lease(), 1).await.unwrap();
    let jittered = delay(&policy, 4, 0.5);
    assert_eq!(jittered, Duration::seconds(18));
    store.fail(&id, "w1", &"x".repeat(5_000), now + jittered).await.unwrap();
    let entry = store.get(&id).await.unwrap().unwrap();
    assert_eq!(entry.next_attempt_at, Some(now + jittered));
    assert_eq!(entry.last_error.map(|e| e.len()), Some(MAX_ERROR_BYTES));
    assert_eq!(store.backlog().await.unwrap(), 2);
}

/// After the configured attempts the event is dead, and it no longer holds up its organization.
pub async fn an_event_goes_dead_after_the_configured_attempts<S: Store>(store: Arc<S>) {
    let policy = RetryPolicy { max_attempts: 3, ..RetryPolicy::default() };
    store.record(&new_event("poison", Some(&org(1)), "invoice.paid", 1, 2)).await.unwrap();
    store.record(&new_event("next", Some(&org(1)), "invoice.paid", 2, 3)).await.unwrap();
    let (mut now, mut claims) = (at(100), 0);
    loop {
        let claimed = store.claim_due("w1", now, lease(), 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, event_id("poison"));
        claims += 1;
        match policy.after_failure(claimed[0].attempts + 1, 0.0) {
            RetryDecision::RetryIn(wait) => {
                store.fail(&claimed[0].id, "w1", "cannot decode", now + wait).await.unwrap();
                now += wait;
            }
            RetryDecision::GiveUp => {
                store.dead_letter(&claimed[0].id, "w1", "gave up: cannot decode", now).await.unwrap();
                break;
            }
        }
    }
    assert_eq!(claims, 3);
    let dead = store.get(&event_id("poison")).await.unwrap().unwrap();
    assert_eq!((dead.status, dead.attempts, dead.processed_at), (EventStatus::Dead, 3, Some(now)));
    assert_eq!(dead.last_error.as_deref(), Some("gave up: cannot decode"));
    let listed = store.list(&LedgerFilter { status: Some(EventStatus::Dead), limit: 10, ..LedgerFilter::default() }).await.unwrap();
    assert_eq!(listed, [dead]);

    let later = store.claim_due("w1", at(10_000), lease(), 10).await.unwrap();
    assert_eq!(later.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), [event_id("next")]);
    assert_eq!(store.backlog().await.unwrap(), 1);
}

/// An operator sends a finished or dead event through again; the replay is audited. Queued,
/// in-flight and failed events are refused: a worker still owns them.
pub async fn replay_moves_a_finished_or_dead_event_back_to_due_and_audits_it<S: Store>(store: Arc<S>) {
    let (done_id, dead_id) = (event_id("done"), event_id("dead"));
    store.record(&new_event("done", Some(&org(1)), "invoice.paid", 1, 2)).await.unwrap();
    store.record(&new_event("dead", Some(&org(2)), "invoice.paid", 2, 3)).await.unwrap();
    assert!(matches!(store.replay(&done_id, "ops", at(5)).await, Err(LedgerError::NotReplayable(_))), "still queued");
    assert!(matches!(store.replay(&event_id("nope"), "ops", at(5)).await, Err(LedgerError::NotFound(_))));

    assert_eq!(store.claim_due("w1", at(10), lease(), 10).await.unwrap().len(), 2);
    assert!(matches!(store.replay(&done_id, "ops", at(10)).await, Err(LedgerError::NotReplayable(_))), "in flight");
    store.complete(&done_id, "w1", EventDisposition::Processed, at(11)).await.unwrap();
    store.fail(&dead_id, "w1", "boom", at(12)).await.unwrap();
    assert!(matches!(store.replay(&dead_id, "ops", at(12)).await, Err(LedgerError::NotReplayable(_))), "failed, retry pending");
    assert_eq!(store.claim_due("w1", at(12), lease(), 10).await.unwrap().len(), 1);
    store.dead_letter(&dead_id, "w1", "boom", at(12)).await.unwrap();

    store.replay(&done_id, "ops@example.com", at(20)).await.unwrap();
    store.replay(&dead_id, "ops@example.com", at(21)).await.unwrap();
    let entry = store.get(&done_id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.attempts, entry.processed_at, entry.next_attempt_at), (EventStatus::Received, 0, None, None));
    let again = store.claim_due("w2", at(30), lease(), 10).await.unwrap();
    assert_eq!(again.iter().map(|c| (c.id.clone(), c.attempts)).collect::<Vec<_>>(), [(done_id.clone(), 0), (dead_id.clone(), 0)]);

    let history = store.event_history(&done_id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].action.as_str(), history[0].actor.as_str(), history[0].from_status.as_str()),
        ("replay", "ops@example.com", "processed")
    );
    assert_eq!(history[0].at, at(20));
    assert_eq!(store.event_history(&dead_id).await.unwrap()[0].from_status, "dead");
    assert_eq!(store.row_counts().await.unwrap().event_audit, 2);
}

/// A claim counts the leases that ran out before their holder finished (a worker that died or
/// stalled), not failed attempts or releases; a replay starts the count again.
pub async fn a_claim_counts_the_leases_that_ran_out_and_a_replay_resets_the_count<S: Store>(store: Arc<S>) {
    let id = event_id("e1");
    store.record(&new_event("e1", Some(&org(1)), "invoice.paid", 1, 2)).await.unwrap();
    let short = Duration::seconds(10);
    let first = store.claim_due("w1", at(100), short, 10).await.unwrap();
    assert_eq!(first[0].lease_expiries, 0, "a first claim follows no expired lease");
    let second = store.claim_due("w2", at(111), short, 10).await.unwrap();
    let third = store.claim_due("w3", at(122), short, 10).await.unwrap();
    assert_eq!((second[0].lease_expiries, third[0].lease_expiries), (1, 2), "each reclaim of an expired lease counts");

    store.fail(&id, "w3", "boom", at(130)).await.unwrap();
    let after_failure = store.claim_due("w4", at(131), short, 10).await.unwrap();
    assert_eq!(after_failure[0].lease_expiries, 2, "a failed attempt is no expired lease");
    store.release(&id, "w4").await.unwrap();
    let after_release = store.claim_due("w5", at(132), short, 10).await.unwrap();
    assert_eq!(after_release[0].lease_expiries, 2, "a released event is no expired lease");

    store.dead_letter(&id, "w5", "the lease ran out too often", at(133)).await.unwrap();
    store.replay(&id, "ops", at(200)).await.unwrap();
    let replayed = store.claim_due("w6", at(201), short, 10).await.unwrap();
    assert_eq!((replayed[0].attempts, replayed[0].lease_expiries), (0, 0), "a replay starts both counts again");
}
