//! Committing decisions: atomicity, the optimistic version check, lease checks and ownership.

use std::sync::Arc;

use billing_core::ports::{Commit, EventStatus, RepositoryError};
use billing_core::{BillingState, BillingStateParts, SubscriptionStatus};
use chrono::Duration;

use super::{free, lease, Store};
use crate::fixtures::{
    at, commit_of, customer, decide_event, done, new_event, org, payment_failed_event, rules, subscription, subscription_event,
};

fn at_version(state: &BillingState, version: u64) -> BillingState {
    BillingState::from_parts(BillingStateParts { version, ..state.to_parts() })
}

/// EC-14: the state, the audit rows, the outbox rows and the event's status land together.
pub async fn a_commit_writes_state_audit_outbox_and_event_status_together<S: Store>(store: Arc<S>) {
    let (rules, o) = (rules(), org(1));
    store.record(&new_event("created", Some(&o), "customer.subscription.created", 10, 11)).await.unwrap();
    let state = store.load_or_create(&o, &free()).await.unwrap();
    let claimed = store.claim_due("w1", at(20), lease(), 1).await.unwrap();
    let decision = decide_event(&rules, &state, subscription_event("created", 1, SubscriptionStatus::Active, "price_team", 10), at(20));
    let commit = commit_of(&rules, &decision, Some(done(&claimed[0].id, "w1")), at(21));
    assert!(!commit.audit.is_empty() && !commit.notices.is_empty(), "the fixture decision writes audit and notices");

    assert_eq!(store.commit(commit.clone()).await.unwrap(), 1);
    assert_eq!(store.load(&o).await.unwrap(), Some(at_version(&decision.state, 1)));
    let entry = store.get(&claimed[0].id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.processed_at), (EventStatus::Processed, Some(at(21))));
    assert_eq!(store.audit_trail(&o, 10).await.unwrap(), commit.audit.iter().rev().cloned().collect::<Vec<_>>());
    let outbox = store.claim_outbox(at(22), at(52), 10).await.unwrap().items;
    assert_eq!(outbox.iter().map(|i| i.notice.clone()).collect::<Vec<_>>(), commit.notices);
    assert!(outbox.iter().all(|i| i.org_id == o && i.attempts == 0));
    assert_eq!(store.find_by_customer(&customer(1)).await.unwrap(), Some(o.clone()));
    assert_eq!(store.find_by_subscription(&subscription(1)).await.unwrap(), Some(o.clone()));

    // The next decision starts from the stored version.
    let loaded = store.load(&o).await.unwrap().unwrap();
    let failed = decide_event(&rules, &loaded, payment_failed_event("failed", 1, 30), at(31));
    assert_eq!(store.commit(commit_of(&rules, &failed, None, at(31))).await.unwrap(), 2);
    assert_eq!(store.load(&o).await.unwrap().unwrap().status(), SubscriptionStatus::PastDue);
}

/// EC-15: a decision made on an old version is refused and leaves no trace.
pub async fn a_commit_with_a_stale_version_conflicts_and_writes_nothing<S: Store>(store: Arc<S>) {
    let (rules, o) = (rules(), org(1));
    let v0 = store.load_or_create(&o, &free()).await.unwrap();
    let first = decide_event(&rules, &v0, subscription_event("first", 1, SubscriptionStatus::Active, "price_team", 10), at(11));
    assert_eq!(store.commit(commit_of(&rules, &first, None, at(11))).await.unwrap(), 1);

    store.record(&new_event("second", Some(&o), "customer.subscription.updated", 20, 21)).await.unwrap();
    let claimed = store.claim_due("w1", at(22), lease(), 1).await.unwrap();
    let late = decide_event(&rules, &v0, subscription_event("second", 1, SubscriptionStatus::PastDue, "price_enterprise", 20), at(22));
    let before = store.row_counts().await.unwrap();
    let result = store.commit(commit_of(&rules, &late, Some(done(&claimed[0].id, "w1")), at(23))).await;

    assert!(matches!(result, Err(RepositoryError::VersionConflict { ref org, expected: 0 }) if *org == o), "{result:?}");
    assert_eq!(store.row_counts().await.unwrap(), before);
    assert_eq!(store.load(&o).await.unwrap(), Some(at_version(&first.state, 1)));
    assert_eq!(store.get(&claimed[0].id).await.unwrap().unwrap().status, EventStatus::Processing, "the event is retried");
    let commit = commit_of(&rules, &first, None, at(11));
    assert_eq!(store.audit_trail(&o, 10).await.unwrap().len(), commit.audit.len());
}

/// A worker whose lease was taken over cannot write its decision; nothing of it remains.
pub async fn a_commit_whose_lease_was_lost_rolls_back_everything<S: Store>(store: Arc<S>) {
    let (rules, o) = (rules(), org(1));
    let v0 = store.load_or_create(&o, &free()).await.unwrap();
    store.record(&new_event("slow", Some(&o), "customer.subscription.created", 10, 11)).await.unwrap();
    let mine = store.claim_due("w1", at(100), Duration::seconds(30), 1).await.unwrap();
    let theirs = store.claim_due("w2", at(131), lease(), 1).await.unwrap();
    assert_eq!(mine[0].id, theirs[0].id);

    let decision = decide_event(&rules, &v0, subscription_event("slow", 1, SubscriptionStatus::Active, "price_team", 10), at(140));
    let before = store.row_counts().await.unwrap();
    let result = store.commit(commit_of(&rules, &decision, Some(done(&mine[0].id, "w1")), at(140))).await;
    assert!(matches!(result, Err(RepositoryError::LeaseLost(ref id)) if *id == mine[0].id), "{result:?}");

    assert_eq!(store.row_counts().await.unwrap(), before);
    assert_eq!(store.load(&o).await.unwrap(), Some(v0));
    assert!(store.audit_trail(&o, 10).await.unwrap().is_empty());
    assert!(store.claim_outbox(at(141), at(171), 10).await.unwrap().items.is_empty());
    assert!(store.find_by_customer(&customer(1)).await.unwrap().is_none());
    assert_eq!(store.get(&mine[0].id).await.unwrap().unwrap().status, EventStatus::Processing);

    // The worker that holds the lease writes the same decision.
    assert_eq!(store.commit(commit_of(&rules, &decision, Some(done(&theirs[0].id, "w2")), at(141))).await.unwrap(), 1);
}

/// The customer and subscription number organization 2 takes for itself in the ownership test.
const OWN: usize = 9;

/// Which of organization 1's Stripe ids a refused commit of organization 2 shares.
#[derive(Debug, Clone, Copy)]
enum Shared {
    Customer,
    Subscription,
}

/// Commits `template` (organization 2 with customer and subscription [`OWN`]) with one id
/// swapped for organization 1's. The commit must be refused, leaving every table, organization 2
/// and the template's event as they were.
async fn assert_ownership_refused<S: Store>(store: &S, template: &Commit, shared: Shared) {
    let (customer_n, subscription_n) = match shared {
        Shared::Customer => (1, OWN),
        Shared::Subscription => (OWN, 1),
    };
    let parts = BillingStateParts {
        customer_id: Some(customer(customer_n)),
        subscription_id: Some(subscription(subscription_n)),
        ..template.state.to_parts()
    };
    let b = template.state.org_id();
    let (before, unchanged) = (store.row_counts().await.unwrap(), store.load(b).await.unwrap());
    let result = store.commit(Commit { state: BillingState::from_parts(parts), ..template.clone() }).await;
    assert!(matches!(result, Err(RepositoryError::OwnershipConflict)), "{shared:?}: {result:?}");

    assert_eq!(store.row_counts().await.unwrap(), before, "{shared:?}");
    assert_eq!(store.load(b).await.unwrap(), unchanged, "{shared:?}");
    let event = &template.event.as_ref().unwrap().event_id;
    assert_eq!(store.get(event).await.unwrap().unwrap().status, EventStatus::Processing, "{shared:?}");
    assert_eq!(store.find_by_customer(&customer(1)).await.unwrap(), Some(org(1)), "{shared:?}");
    assert_eq!(store.find_by_subscription(&subscription(1)).await.unwrap(), Some(org(1)), "{shared:?}");
    assert_eq!(store.find_by_customer(&customer(OWN)).await.unwrap(), None, "{shared:?}");
    assert_eq!(store.find_by_subscription(&subscription(OWN)).await.unwrap(), None, "{shared:?}");
}

/// A Stripe customer or subscription can belong to one organization only, each on its own: a
/// commit sharing just one of the two ids with another organization is refused.
pub async fn a_stripe_customer_or_subscription_belongs_to_one_organization<S: Store>(store: Arc<S>) {
    let (rules, a, b) = (rules(), org(1), org(2));
    let state_a = store.load_or_create(&a, &free()).await.unwrap();
    let state_b = store.load_or_create(&b, &free()).await.unwrap();
    let owned = decide_event(&rules, &state_a, subscription_event("a1", 1, SubscriptionStatus::Active, "price_team", 10), at(11));
    store.commit(commit_of(&rules, &owned, None, at(11))).await.unwrap();

    store.record(&new_event("b1", Some(&b), "customer.subscription.created", 12, 13)).await.unwrap();
    let claimed = store.claim_due("w1", at(14), lease(), 1).await.unwrap();
    // Each case shares only one id with organization 1, so a missing unique key on either
    // column would let that case through.
    let fresh = decide_event(&rules, &state_b, subscription_event("b1", OWN, SubscriptionStatus::Active, "price_team", 12), at(14));
    let template = commit_of(&rules, &fresh, Some(done(&claimed[0].id, "w1")), at(14));
    assert!(!template.audit.is_empty() && !template.notices.is_empty(), "a refused commit has audit and notices to leave out");
    assert_ownership_refused(&*store, &template, Shared::Customer).await;
    assert_ownership_refused(&*store, &template, Shared::Subscription).await;

    let own = decide_event(&rules, &state_b, subscription_event("b2", 2, SubscriptionStatus::Active, "price_solo", 15), at(15));
    assert_eq!(store.commit(commit_of(&rules, &own, Some(done(&claimed[0].id, "w1")), at(15))).await.unwrap(), 1);
    assert_eq!(store.find_by_subscription(&subscription(2)).await.unwrap(), Some(b));
    assert_eq!(store.find_by_customer(&customer(3)).await.unwrap(), None);
}
