//! Batched commits: one transaction for many events, each rolled back alone when it fails.

use std::sync::Arc;

use billing_core::ports::{BatchWrite, EventDisposition, EventDone, EventStatus, RepositoryError};
use billing_core::SubscriptionStatus;

use super::{free, lease, Store};
use crate::fixtures::{at, commit_of, decide_event, done, new_event, org, rules, subscription_event};

/// Records and claims one event for each of organizations 1..=n, loading each organization.
async fn claim_one_per_org<S: Store>(store: &S, n: usize) -> Vec<billing_core::ports::ClaimedEvent> {
    for i in 1..=n {
        store.record(&new_event(&format!("e{i}"), Some(&org(i)), "customer.subscription.updated", 10, 11)).await.unwrap();
        store.load_or_create(&org(i), &free()).await.unwrap();
    }
    let claimed = store.claim_due("w1", at(20), lease(), 10).await.unwrap();
    assert_eq!(claimed.len(), n, "one event per organization is due");
    claimed
}

/// The batch's commit for organization `n`'s event: a Team subscription, decided on the
/// state loaded at `version` (0 is current until something commits).
async fn team_commit<S: Store>(store: &S, n: usize, holder: &str) -> BatchWrite {
    let (rules, state) = (rules(), store.load(&org(n)).await.unwrap().unwrap());
    let decision =
        decide_event(&rules, &state, subscription_event(&format!("e{n}"), n, SubscriptionStatus::Active, "price_team", 10), at(20));
    BatchWrite::Commit(Box::new(commit_of(&rules, &decision, Some(done(&crate::fixtures::event_id(&format!("e{n}")), holder)), at(21))))
}

/// A version conflict and a lost lease in the middle of a batch are rolled back alone, state
/// and all, and reported in their places; the other items commit together.
pub async fn a_batch_commits_its_good_items_together_and_rolls_back_each_failing_one_alone<S: Store>(store: Arc<S>) {
    let claimed = claim_one_per_org(store.as_ref(), 4).await;
    let first = team_commit(store.as_ref(), 1, "w1").await;
    let conflicting = team_commit(store.as_ref(), 2, "w1").await;
    // Organization 2 moves on before the batch commits, so the batch's decision is stale.
    let BatchWrite::Commit(meanwhile) = team_commit(store.as_ref(), 2, "w1").await else { unreachable!() };
    store.commit(billing_core::ports::Commit { event: None, ..*meanwhile }).await.unwrap();
    let lease_lost = team_commit(store.as_ref(), 3, "someone_else").await;
    let finish = BatchWrite::Finish {
        done: EventDone { event_id: claimed[3].id.clone(), holder: "w1".into(), disposition: EventDisposition::Ignored },
        at: at(21),
    };

    let results = store.commit_batch(vec![first, conflicting, lease_lost, finish]).await.unwrap();
    assert!(results[0].is_ok() && results[3].is_ok(), "{results:?}");
    assert!(matches!(results[1], Err(RepositoryError::VersionConflict { expected: 0, .. })), "{results:?}");
    assert!(matches!(results[2], Err(RepositoryError::LeaseLost(_))), "{results:?}");

    let status = |n: usize| {
        let store = store.clone();
        async move { store.get(&crate::fixtures::event_id(&format!("e{n}"))).await.unwrap().unwrap().status }
    };
    assert_eq!(
        (status(1).await, status(2).await, status(3).await, status(4).await),
        (EventStatus::Processed, EventStatus::Processing, EventStatus::Processing, EventStatus::Ignored)
    );
    let plan = |n: usize| {
        let store = store.clone();
        async move { store.load(&org(n)).await.unwrap().unwrap() }
    };
    assert_eq!(plan(1).await.status(), SubscriptionStatus::Active);
    assert_eq!(plan(2).await.version(), 1, "only the commit made meanwhile landed");
    assert_eq!(
        (plan(3).await.version(), plan(3).await.status()),
        (0, SubscriptionStatus::None),
        "the lost lease's state is rolled back too"
    );
    assert_eq!(store.audit_trail(&org(3), 10).await.unwrap(), [], "and its audit rows");
}

/// An empty batch is a no-op, and a batch's items are written in the order given: a later item
/// of the same organization sees the earlier one's version.
pub async fn a_batch_writes_its_items_in_order<S: Store>(store: Arc<S>) {
    assert!(store.commit_batch(Vec::new()).await.unwrap().is_empty());
    let claimed = claim_one_per_org(store.as_ref(), 1).await;
    let (rules, v0) = (rules(), store.load(&org(1)).await.unwrap().unwrap());
    let team = decide_event(&rules, &v0, subscription_event("e1", 1, SubscriptionStatus::Active, "price_team", 10), at(20));
    let mut v1 = team.state.clone();
    v1 = billing_core::BillingState::from_parts(billing_core::BillingStateParts { version: 1, ..v1.to_parts() });
    let past_due = decide_event(&rules, &v1, subscription_event("e1b", 1, SubscriptionStatus::PastDue, "price_team", 15), at(20));
    let writes = vec![
        BatchWrite::Commit(Box::new(commit_of(&rules, &team, Some(done(&claimed[0].id, "w1")), at(21)))),
        BatchWrite::Commit(Box::new(commit_of(&rules, &past_due, None, at(21)))),
    ];
    let results = store.commit_batch(writes).await.unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let stored = store.load(&org(1)).await.unwrap().unwrap();
    assert_eq!((stored.version(), stored.status()), (2, SubscriptionStatus::PastDue));
}
