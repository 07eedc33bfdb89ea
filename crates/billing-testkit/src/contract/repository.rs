//! The repository: first reference, exact round trips, the timer scan, audit trail and outbox.

use std::collections::HashSet;
use std::sync::Arc;

use billing_core::ids::StripeEventId;
use billing_core::ports::{Commit, RepositoryError};
use billing_core::{Actor, AuditCause, AuditEntry, BillingState, BillingStateParts, Currency, Money, Notice, SubscriptionStatus, Timer};
use chrono::{DateTime, Utc};

use super::{free, Store};
use crate::fixtures::{at, fully_populated_state, org, plan, session, subscription};

fn bare_commit(state: BillingState, next_timer_at: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Commit {
    Commit { state, audit: Vec::new(), notices: Vec::new(), event: None, next_timer_at, at }
}

/// An organization is created once, on the free plan at version 0, however many ask at once.
pub async fn load_or_create_makes_one_free_organization_at_version_zero<S: Store>(store: Arc<S>) {
    assert_eq!(store.load(&org(1)).await.unwrap(), None);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.load_or_create(&org(1), &free()).await.unwrap() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), BillingState::new(org(1), free()));
    }
    assert_eq!(store.row_counts().await.unwrap().organizations, 1);
    assert_eq!(store.load(&org(1)).await.unwrap(), Some(BillingState::new(org(1), free())));
}

/// Every field, sub-second times and all, comes back exactly; clearing them clears the columns.
pub async fn a_fully_populated_billing_state_round_trips_exactly<S: Store>(store: Arc<S>) {
    let o = org(5);
    store.load_or_create(&o, &free()).await.unwrap();
    assert_eq!(store.commit(bare_commit(fully_populated_state(5, 0), Some(at(5)), at(1))).await.unwrap(), 1);
    assert_eq!(store.load(&o).await.unwrap(), Some(fully_populated_state(5, 1)));

    let sparse = BillingState::from_parts(BillingStateParts { version: 1, ..BillingState::new(o.clone(), free()).to_parts() });
    assert_eq!(store.commit(bare_commit(sparse.clone(), None, at(2))).await.unwrap(), 2);
    assert_eq!(store.load(&o).await.unwrap(), Some(BillingState::from_parts(BillingStateParts { version: 2, ..sparse.to_parts() })));
}

/// The timer scan finds organizations whose next timer is due, oldest first.
pub async fn due_timers_lists_organizations_whose_timer_has_passed_oldest_first<S: Store>(store: Arc<S>) {
    for (n, timer) in [(1, Some(30)), (2, Some(10)), (3, None), (4, Some(20))] {
        let state = store.load_or_create(&org(n), &free()).await.unwrap();
        store.commit(bare_commit(state, timer.map(at), at(1))).await.unwrap();
    }
    assert_eq!(store.due_timers(at(25), 10).await.unwrap(), [org(2), org(4)]);
    assert_eq!(store.due_timers(at(60), 10).await.unwrap(), [org(2), org(4), org(1)]);
    assert_eq!(store.due_timers(at(60), 1).await.unwrap(), [org(2)]);
    assert!(store.due_timers(at(5), 10).await.unwrap().is_empty());

    let fired = store.load(&org(2)).await.unwrap().unwrap();
    store.commit(bare_commit(fired, None, at(61))).await.unwrap();
    assert_eq!(store.due_timers(at(60), 10).await.unwrap(), [org(4), org(1)]);
}

fn audit(cause: AuditCause, secs: i64) -> AuditEntry {
    AuditEntry {
        org_id: org(1),
        from_plan: free(),
        from_status: SubscriptionStatus::None,
        to_plan: plan("team"),
        to_status: SubscriptionStatus::Active,
        cause,
        at: at(secs),
    }
}

/// Audit rows of every cause and actor come back as written, newest first.
pub async fn audit_rows_of_every_cause_are_listed_newest_first<S: Store>(store: Arc<S>) {
    let entries = [
        audit(AuditCause::StripeEvent(StripeEventId::parse("evt_audit").unwrap()), 10),
        audit(AuditCause::Checkout(session("test_audit")), 15),
        audit(AuditCause::Command { name: "change_plan", actor: Actor::User("user_1".into()) }, 20),
        audit(AuditCause::Command { name: "admin_cancel_now", actor: Actor::Admin("ops@example.com".into()) }, 30),
        audit(AuditCause::Command { name: "reactivate", actor: Actor::System }, 40),
        audit(AuditCause::Timer(Timer::GraceExpired), 50),
        audit(AuditCause::Reconcile { actor: Actor::System }, 60),
        audit(AuditCause::Reconcile { actor: Actor::Admin("alice".into()) }, 70),
        audit(
            AuditCause::Refund {
                actor: Actor::Admin("bob".into()),
                charge: "ch_test_1".parse().unwrap(),
                amount: Money::new(900, Currency::USD),
            },
            80,
        ),
    ];
    let state = store.load_or_create(&org(1), &free()).await.unwrap();
    store.commit(Commit { audit: entries[..3].to_vec(), ..bare_commit(state, None, at(30)) }).await.unwrap();
    let state = store.load(&org(1)).await.unwrap().unwrap();
    store.commit(Commit { audit: entries[3..].to_vec(), ..bare_commit(state, None, at(80)) }).await.unwrap();

    let newest_first: Vec<AuditEntry> = entries.iter().rev().cloned().collect();
    assert_eq!(store.audit_trail(&org(1), 10).await.unwrap(), newest_first);
    assert_eq!(store.audit_trail(&org(1), 2).await.unwrap(), newest_first[..2]);
    assert!(store.audit_trail(&org(2), 10).await.unwrap().is_empty());
}

fn every_notice() -> Vec<Notice> {
    let usd = Money::new(9_900, Currency::USD);
    vec![
        Notice::PaymentFailed { grace_until: at(7), amount: Some(usd) },
        Notice::FeaturesSuspended { status: SubscriptionStatus::Unpaid },
        Notice::PaymentActionRequired,
        Notice::EndsOn { date: at(30) },
        Notice::PlanChangesOn { plan: plan("solo"), date: at(30) },
        Notice::Canceled { at: None },
        Notice::CheckoutInProgress { session_id: session("test_1"), started_at: at(1) },
        Notice::PlanChanged { from: free(), to: plan("team") },
        Notice::RefundIssued { amount: usd, full: false },
        Notice::PaymentRecovered { failed_at: at(3), recovered_at: at(9) },
        Notice::TrialEndsSoon { ends_at: at(40) },
        Notice::RenewalUpcoming { amount: usd, renews_at: at(50) },
        Notice::DisputeOpened { dispute: dispute("dp_1"), amount: usd, reason: "fraudulent".into(), status: "needs_response".into() },
        Notice::DisputeClosed { dispute: dispute("dp_1"), amount: usd, reason: "fraudulent".into(), status: "won".into() },
        Notice::SecondSubscription { subscription: subscription(2), status: SubscriptionStatus::Trialing },
    ]
}

fn dispute(raw: &str) -> billing_core::ids::StripeDisputeId {
    billing_core::ids::StripeDisputeId::parse(raw).unwrap()
}

/// The outbox ids `notifiers` concurrent claimers took until the outbox ran dry.
async fn drain_outbox_concurrently<S: Store>(store: &Arc<S>, notifiers: usize) -> Vec<i64> {
    let tasks: Vec<_> = (0..notifiers)
        .map(|_| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                let mut ids = Vec::new();
                loop {
                    let batch = store.claim_outbox(at(300), at(330), 2).await.unwrap().items;
                    if batch.is_empty() {
                        return ids;
                    }
                    ids.extend(batch.iter().map(|i| i.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

/// Notices are leased to one notifier at a time and come back only when the lease expires.
pub async fn the_outbox_hands_each_notice_out_once_until_its_lease_expires<S: Store>(store: Arc<S>) {
    let notices = every_notice();
    let state = store.load_or_create(&org(1), &free()).await.unwrap();
    store.commit(Commit { notices: notices.clone(), ..bare_commit(state, None, at(1)) }).await.unwrap();

    let first = store.claim_outbox(at(100), at(130), 4).await.unwrap().items;
    let second = store.claim_outbox(at(101), at(131), 20).await.unwrap().items;
    let claimed: Vec<Notice> = first.iter().chain(&second).map(|i| i.notice.clone()).collect();
    assert_eq!(claimed, notices, "every kind round-trips, in commit order");
    assert!(first.iter().chain(&second).all(|i| i.attempts == 0 && i.org_id == org(1)));
    assert!(store.claim_outbox(at(102), at(132), 10).await.unwrap().items.is_empty(), "all leased");

    store.outbox_delivered(first[0].id, at(103)).await.unwrap();
    store.outbox_delivered(second[0].id, at(103)).await.unwrap();
    let retried = store.claim_outbox(at(200), at(230), 20).await.unwrap().items;
    assert_eq!(retried.len(), notices.len() - 2, "expired leases come back, delivered notices do not");
    assert!(retried.iter().all(|i| i.attempts == 1));

    // Four notifiers drain the rest concurrently; no notice is handed out twice.
    let all = drain_outbox_concurrently(&store, 4).await;
    assert_eq!(all.len(), retried.len(), "each undelivered notice once");
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len());

    // A failed delivery is held back until its retry time, whatever its lease said.
    let (held, delivered_id) = (retried[0].id, first[0].id);
    store.outbox_retry_at(held, at(500)).await.unwrap();
    store.outbox_retry_at(delivered_id, at(500)).await.unwrap();
    let early = store.claim_outbox(at(400), at(600), 20).await.unwrap().items;
    assert_eq!(early.len(), retried.len() - 1, "the others' leases ran out");
    assert!(early.iter().all(|i| i.id != held), "not before its retry time");
    let late = store.claim_outbox(at(501), at(531), 20).await.unwrap().items;
    assert_eq!(late.iter().map(|i| (i.id, i.attempts)).collect::<Vec<_>>(), [(held, 3)], "then once more, and a delivered one never");
}

/// Delivering a notice twice is no error (a retried acknowledgement), and delivering one that
/// does not exist is.
pub async fn delivering_a_notice_twice_succeeds_and_delivering_an_unknown_one_fails<S: Store>(store: Arc<S>) {
    let state = store.load_or_create(&org(1), &free()).await.unwrap();
    store.commit(Commit { notices: vec![Notice::PaymentActionRequired], ..bare_commit(state, None, at(1)) }).await.unwrap();
    let items = store.claim_outbox(at(10), at(40), 10).await.unwrap().items;
    assert_eq!(items.len(), 1);
    store.outbox_delivered(items[0].id, at(11)).await.unwrap();
    store.outbox_delivered(items[0].id, at(12)).await.unwrap();
    let unknown = store.outbox_delivered(items[0].id + 1_000, at(13)).await;
    assert!(matches!(unknown, Err(RepositoryError::Unknown(_))), "{unknown:?}");
    assert!(store.claim_outbox(at(100), at(130), 10).await.unwrap().items.is_empty(), "delivered notices never come back");
}
