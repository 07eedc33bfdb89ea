//! Claiming: exclusivity per event and per organization, ordering, lease expiry and release.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{Assignment, ClaimedEvent, EventDisposition, EventStatus, LedgerError, RepositoryError};
use chrono::{DateTime, Duration, Utc};

use super::{free, lease, Store};
use crate::fixtures::{at, done, new_event, org};

/// What the claimers observed, checked against the guarantees at the end.
#[derive(Debug, Default)]
struct Tracker {
    in_flight: HashMap<OrgId, StripeEventId>,
    seen: HashSet<StripeEventId>,
    order: HashMap<OrgId, Vec<DateTime<Utc>>>,
    violations: Vec<String>,
    finished: usize,
}

impl Tracker {
    fn claimed(&mut self, holder: &str, event: &ClaimedEvent) {
        if !self.seen.insert(event.id.clone()) {
            self.violations.push(format!("{holder} claimed {} a second time", event.id));
        }
        if let Some(org) = &event.org_id {
            if let Some(other) = self.in_flight.insert(org.clone(), event.id.clone()) {
                self.violations.push(format!("{holder} claimed {} while {other} of {org} was in flight", event.id));
            }
            self.order.entry(org.clone()).or_default().push(event.created);
        }
    }
}

async fn claimer<S: Store>(store: Arc<S>, holder: String, tracker: Arc<Mutex<Tracker>>, total: usize) {
    let now = at(1_000);
    let deadline = Instant::now() + StdDuration::from_secs(60);
    while tracker.lock().unwrap().finished < total && Instant::now() < deadline {
        let claimed = store.claim_due(&holder, now, lease(), 3).await.unwrap();
        if claimed.is_empty() {
            tokio::time::sleep(StdDuration::from_millis(1)).await;
            continue;
        }
        let claimed = adopt_loose_events(&*store, &holder, claimed, now).await;
        claimed.iter().for_each(|e| tracker.lock().unwrap().claimed(&holder, e));
        // Hold the leases for a moment, as real work would, so the claimers overlap.
        tokio::time::sleep(StdDuration::from_millis(2)).await;
        for event in claimed {
            // Leave the tracker before the store: the store must still show the event as in
            // flight until `complete` returns, so a premature claim is always caught.
            {
                let mut t = tracker.lock().unwrap();
                if let Some(org) = &event.org_id {
                    t.in_flight.remove(org);
                }
                t.finished += 1;
            }
            store.complete(&event.id, &holder, EventDisposition::Processed, now).await.unwrap();
        }
    }
}

/// Gives each claimed event recorded without an organization the one its id names, as a worker
/// that learns it from Stripe would, keeping only the events the store lets this holder apply.
async fn adopt_loose_events<S: Store>(store: &S, holder: &str, claimed: Vec<ClaimedEvent>, now: DateTime<Utc>) -> Vec<ClaimedEvent> {
    let mut kept = Vec::with_capacity(claimed.len());
    for mut event in claimed {
        if event.org_id.is_none() {
            let n: usize = event.id.as_str().rsplit('_').next().and_then(|n| n.parse().ok()).unwrap();
            let learned = org(n % ORGS);
            match store.assign_org(&event.id, holder, &learned, now).await.unwrap() {
                Assignment::Proceed => event.org_id = Some(learned),
                Assignment::HandedBack => continue,
            }
        }
        kept.push(event);
    }
    kept
}

/// Records older events for every organization while the claimers run, as Stripe's retries
/// deliver them late: each must still wait until its organization has nothing in flight.
async fn late_arrivals<S: Store>(store: Arc<S>, orgs: usize, rounds: usize) {
    for round in 0..rounds {
        for o in 0..orgs {
            let created = i64::try_from(round).unwrap() - 1_000;
            store.record(&new_event(&format!("late_o{o}_r{round}"), Some(&org(o)), "invoice.paid", created, 600)).await.unwrap();
        }
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
}

/// How many organizations the concurrent-claimers test spreads its events over.
const ORGS: usize = 24;

/// 8 workers drain 178 events of 24 organizations concurrently, while older events keep
/// arriving for the organizations being worked on. Ten events name no organization until their
/// worker learns it, so late assignment is held to the same exclusivity.
pub async fn eight_concurrent_claimers_never_double_claim_or_run_two_events_of_one_org<S: Store>(store: Arc<S>) {
    let (orgs, per_org, loose, late_rounds) = (ORGS, 5_usize, 10_usize, 2_usize);
    for k in 0..per_org {
        for o in 0..orgs {
            // Half the organizations receive their events newest first, so arrival order and
            // Stripe order disagree.
            let slot = if o % 2 == 0 { k } else { per_org - 1 - k };
            let created = i64::try_from(slot * 10 + o).unwrap();
            store.record(&new_event(&format!("o{o}_k{k}"), Some(&org(o)), "customer.subscription.updated", created, 500)).await.unwrap();
        }
    }
    for i in 0..loose {
        // Older than the events recorded up front, so the order check below leaves them out.
        let created = i64::try_from(i).unwrap() - 500;
        store.record(&new_event(&format!("loose_{i}"), None, "invoice.paid", created, 500)).await.unwrap();
    }
    let total = orgs * (per_org + late_rounds) + loose;
    let tracker = Arc::new(Mutex::new(Tracker::default()));
    let mut workers: Vec<_> =
        (0..8).map(|w| tokio::spawn(claimer(Arc::clone(&store), format!("worker_{w}"), Arc::clone(&tracker), total))).collect();
    workers.push(tokio::spawn(late_arrivals(Arc::clone(&store), orgs, late_rounds)));
    for worker in workers {
        worker.await.unwrap();
    }
    let t = std::mem::take(&mut *tracker.lock().unwrap());
    assert!(t.violations.is_empty(), "{:#?}", t.violations);
    assert_eq!(t.seen.len(), total);
    for (org, created) in &t.order {
        // Late arrivals are older than everything recorded up front; among the events that
        // were all waiting from the start, Stripe order must hold.
        let upfront: Vec<_> = created.iter().filter(|c| **c >= at(0)).collect();
        assert_eq!(upfront.len(), per_org, "{org}");
        assert!(upfront.windows(2).all(|w| w[0] < w[1]), "{org} was processed out of Stripe order: {created:?}");
    }
    assert_eq!(store.backlog().await.unwrap(), 0);
}

fn ids(claimed: &[ClaimedEvent]) -> Vec<String> {
    claimed.iter().map(|c| c.id.as_str().to_owned()).collect()
}

/// Per organization only the oldest unfinished event is handed out, and only when none is leased.
pub async fn an_organizations_events_are_claimed_one_at_a_time_oldest_created_first<S: Store>(store: Arc<S>) {
    let (a, b) = (org(1), org(2));
    for (id, org_id, created) in
        [("a30", Some(&a), 30), ("a10", Some(&a), 10), ("a20", Some(&a), 20), ("b15", Some(&b), 15), ("n1", None, 5), ("n2", None, 6)]
    {
        store.record(&new_event(id, org_id, "customer.subscription.updated", created, 40)).await.unwrap();
    }
    let now = at(100);
    let first = store.claim_due("w1", now, lease(), 10).await.unwrap();
    assert_eq!(ids(&first), ["evt_n1", "evt_n2", "evt_a10", "evt_b15"]);
    let a10 = &first[2];
    assert_eq!((a10.org_id.as_ref(), a10.created, a10.attempts), (Some(&a), at(10), 0));
    assert_eq!((a10.holder.as_str(), a10.lease_until), ("w1", now + lease()));
    assert!(store.claim_due("w2", now, lease(), 10).await.unwrap().is_empty(), "both organizations are busy");

    store.complete(&a10.id, "w1", EventDisposition::Processed, now).await.unwrap();
    let next = store.claim_due("w2", now, lease(), 10).await.unwrap();
    assert_eq!(ids(&next), ["evt_a20"]);
    store.complete(&next[0].id, "w2", EventDisposition::Processed, now).await.unwrap();

    // An older event that arrives late still goes before the newer ones waiting.
    store.record(&new_event("a05", Some(&a), "customer.subscription.updated", 5, 101)).await.unwrap();
    let late = store.claim_due("w1", now, lease(), 10).await.unwrap();
    assert_eq!(ids(&late), ["evt_a05"]);
    store.complete(&late[0].id, "w1", EventDisposition::Stale, now).await.unwrap();
    assert_eq!(ids(&store.claim_due("w1", now, lease(), 10).await.unwrap()), ["evt_a30"]);
}

/// A crashed worker's lease runs out; another worker takes the event and the first loses it.
pub async fn an_expired_lease_is_reclaimed_and_the_old_holder_loses_it<S: Store>(store: Arc<S>) {
    let o = org(1);
    store.record(&new_event("e1", Some(&o), "invoice.paid", 1, 2)).await.unwrap();
    store.record(&new_event("e2", Some(&o), "invoice.paid", 2, 3)).await.unwrap();
    let state = store.load_or_create(&o, &free()).await.unwrap();

    let mine = store.claim_due("w1", at(100), Duration::seconds(30), 10).await.unwrap();
    assert_eq!(ids(&mine), ["evt_e1"]);
    assert!(store.claim_due("w2", at(110), lease(), 10).await.unwrap().is_empty(), "the lease is live");

    let theirs = store.claim_due("w2", at(131), lease(), 10).await.unwrap();
    assert_eq!(ids(&theirs), ["evt_e1"], "the expired lease is reclaimed, and e2 still waits behind e1");
    assert_eq!((theirs[0].attempts, theirs[0].holder.as_str()), (1, "w2"));

    let id = &mine[0].id;
    assert!(matches!(store.complete(id, "w1", EventDisposition::Processed, at(132)).await, Err(LedgerError::LeaseLost(_))));
    assert!(matches!(store.fail(id, "w1", "boom", at(140)).await, Err(LedgerError::LeaseLost(_))));
    assert!(matches!(store.dead_letter(id, "w1", "boom", at(132)).await, Err(LedgerError::LeaseLost(_))));
    assert!(matches!(store.release(id, "w1").await, Err(LedgerError::LeaseLost(_))));
    let stale_commit = crate::fixtures::commit_of(&crate::fixtures::rules(), &unchanged(state), Some(done(id, "w1")), at(132));
    assert!(matches!(store.commit(stale_commit).await, Err(RepositoryError::LeaseLost(_))));

    let entry = store.get(id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.attempts), (EventStatus::Processing, 2));
    store.complete(id, "w2", EventDisposition::Processed, at(133)).await.unwrap();
    assert_eq!(ids(&store.claim_due("w3", at(134), lease(), 10).await.unwrap()), ["evt_e2"]);
}

fn unchanged(state: billing_core::BillingState) -> billing_core::Decision {
    billing_core::Decision { state, effects: Vec::new(), outcome: billing_core::Outcome::Applied }
}

/// A shutdown gives the event back at once, without using up an attempt.
pub async fn release_returns_an_event_without_counting_the_attempt<S: Store>(store: Arc<S>) {
    store.record(&new_event("r1", Some(&org(1)), "invoice.paid", 1, 2)).await.unwrap();
    let claimed = store.claim_due("w1", at(10), lease(), 1).await.unwrap();
    assert_eq!(claimed[0].attempts, 0);
    let id = &claimed[0].id;
    assert!(matches!(store.release(id, "w2").await, Err(LedgerError::LeaseLost(_))));
    store.release(id, "w1").await.unwrap();
    let entry = store.get(id).await.unwrap().unwrap();
    assert_eq!((entry.status, entry.attempts), (EventStatus::Received, 0));

    let again = store.claim_due("w2", at(11), lease(), 1).await.unwrap();
    assert_eq!((again[0].attempts, again[0].holder.as_str()), (0, "w2"));
    assert_eq!(store.get(id).await.unwrap().unwrap().attempts, 1);
}
