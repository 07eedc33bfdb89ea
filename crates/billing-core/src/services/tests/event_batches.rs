//! Applying events in batches: one transaction for the batch, each failure handled alone.

use super::*;
use crate::ports::{Assignment, BatchWrite, DecodedEvent, EventDisposition, MockEventDecoder, MockWebhookLedger, RepositoryError};
use crate::services::ProcessOutcome;

/// Event `evt_n` of `org_n`, whose payload is its number.
fn claimed_n(n: u32) -> ClaimedEvent {
    let base = claimed_event(Some(&format!("org_{n}")), 0, at(11), at(1030));
    ClaimedEvent { id: event_id(&format!("evt_{n}")), payload: n.to_string().into_bytes(), ..base }
}

/// Payload `1`, `2`… decodes to a Team subscription update naming `org_n`; payload `0` to an
/// event type the billing state does not depend on.
fn decoder() -> MockEventDecoder {
    let mut decoder = MockEventDecoder::new();
    decoder.expect_decode().returning(|payload| {
        let n: u32 = std::str::from_utf8(payload).unwrap().parse().unwrap();
        let fact = StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active));
        let event = (n > 0).then(|| event(n, 5, fact));
        Ok(DecodedEvent { event, org_hint: Some(org(&format!("org_{n}"))), customer: None, livemode: false })
    });
    decoder
}

/// Every organization loads as a new one on the free plan, except `org_2`, which already
/// applied a later event, so its update is stale and changes nothing.
fn loads_per_org(repo: &mut MockBillingRepository) {
    repo.expect_load_or_create()
        .returning(|o, _| Ok(if o == &org("org_2") { team_state_of("org_2") } else { BillingState::new(o.clone(), plan("free")) }));
}

fn team_state_of(name: &str) -> BillingState {
    let parts = team_state().to_parts();
    BillingState::from_parts(crate::state::BillingStateParts { org_id: org(name), ..parts })
}

fn is_commit_of(write: &BatchWrite, name: &str) -> bool {
    matches!(write, BatchWrite::Commit(c) if c.state.org_id() == &org(name) && c.event.as_ref().is_some_and(|d| d.holder == "w1"))
}

#[tokio::test]
async fn a_batch_writes_every_decision_in_one_call_and_finishes_the_rest_without_a_write() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    loads_per_org(&mut repo);
    repo.expect_commit().never();
    repo.expect_commit_batch()
        .withf(|w| {
            w.len() == 2
                && is_commit_of(&w[0], "org_1")
                && matches!(&w[1], BatchWrite::Finish { done, .. } if done.event_id == event_id("evt_2"))
        })
        .times(1)
        .returning(|w| Ok(w.iter().map(|_| Ok(())).collect()));
    ledger
        .expect_complete()
        .withf(|id, _, d, _| id == &event_id("evt_0") && *d == EventDisposition::Ignored)
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let processor = processor_at(1000, repo, ledger, MockPaymentProvider::new(), decoder());
    let outcomes = processor.process_batch(&[claimed_n(1), claimed_n(0), claimed_n(2)]).await;
    let outcomes: Vec<ProcessOutcome> = outcomes.into_iter().map(Result::unwrap).collect();
    assert_eq!(outcomes, [EventDisposition::Processed, EventDisposition::Ignored, EventDisposition::Stale].map(ProcessOutcome::Done));
}

#[tokio::test]
async fn a_version_conflict_in_a_batch_is_decided_again_and_committed_alone() {
    let (mut repo, ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    loads_per_org(&mut repo);
    repo.expect_commit_batch().times(1).returning(|w| {
        Ok(w.iter()
            .map(|item| {
                if is_commit_of(item, "org_3") {
                    Err(RepositoryError::VersionConflict { org: org("org_3"), expected: 0 })
                } else {
                    Ok(())
                }
            })
            .collect())
    });
    repo.expect_commit().withf(|c| c.state.org_id() == &org("org_3")).times(1).returning(|c| Ok(c.state.version() + 1));
    let processor = processor_at(1000, repo, ledger, MockPaymentProvider::new(), decoder());
    let outcomes = processor.process_batch(&[claimed_n(1), claimed_n(3)]).await;
    assert!(outcomes.iter().all(|o| matches!(o, Ok(ProcessOutcome::Done(EventDisposition::Processed)))), "{outcomes:?}");
}

#[tokio::test]
async fn a_lost_lease_in_a_batch_ends_that_event_alone() {
    let (mut repo, ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    loads_per_org(&mut repo);
    repo.expect_commit_batch().times(1).returning(|w| {
        Ok(w.iter()
            .map(|item| if is_commit_of(item, "org_1") { Err(RepositoryError::LeaseLost(event_id("evt_1"))) } else { Ok(()) })
            .collect())
    });
    let processor = processor_at(1000, repo, ledger, MockPaymentProvider::new(), decoder());
    let outcomes: Vec<ProcessOutcome> =
        processor.process_batch(&[claimed_n(1), claimed_n(3)]).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(outcomes, [ProcessOutcome::LeaseLost, ProcessOutcome::Done(EventDisposition::Processed)]);
}

#[tokio::test]
async fn a_batch_whose_transaction_fails_retries_each_of_its_events_and_leaves_the_others_alone() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    loads_per_org(&mut repo);
    repo.expect_commit_batch().times(1).returning(|_| Err(RepositoryError::Unavailable));
    ledger.expect_complete().withf(|id, _, _, _| id == &event_id("evt_0")).times(1).returning(|_, _, _, _| Ok(()));
    ledger
        .expect_fail()
        .withf(|id, _, error, _| id != &event_id("evt_0") && error.contains("unavailable"))
        .times(2)
        .returning(|_, _, _, _| Ok(()));
    let processor = processor_at(1000, repo, ledger, MockPaymentProvider::new(), decoder());
    let outcomes: Vec<ProcessOutcome> =
        processor.process_batch(&[claimed_n(1), claimed_n(0), claimed_n(3)]).await.into_iter().map(Result::unwrap).collect();
    assert!(matches!(outcomes[0], ProcessOutcome::Retry { .. }) && matches!(outcomes[2], ProcessOutcome::Retry { .. }), "{outcomes:?}");
    assert_eq!(outcomes[1], ProcessOutcome::Done(EventDisposition::Ignored));
}

#[tokio::test]
async fn an_empty_batch_writes_nothing() {
    let mut repo = MockBillingRepository::new();
    repo.expect_commit_batch().withf(Vec::is_empty).returning(|_| Ok(Vec::new()));
    let processor = processor_at(1000, repo, MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    assert!(processor.process_batch(&[]).await.is_empty());
}

#[tokio::test]
async fn a_claim_leases_for_thirty_seconds_from_now_and_run_batch_processes_what_it_got_as_one_batch() {
    let mut ledger = MockWebhookLedger::new();
    ledger
        .expect_claim_due()
        .withf(|holder, now, lease, limit| holder == "w1" && *now == at(1000) && *lease == chrono::Duration::seconds(30) && *limit == 7)
        .times(2)
        .returning(|_, _, _, _| Ok(vec![claimed_n(0)]));
    ledger.expect_complete().times(1).returning(|_, _, _, _| Ok(()));
    // run_batch writes through the batch path, even when nothing in it needs a write.
    let mut repo = MockBillingRepository::new();
    repo.expect_commit_batch().withf(Vec::is_empty).times(1).returning(|_| Ok(Vec::new()));
    let processor = processor_at(1000, repo, ledger, MockPaymentProvider::new(), decoder());
    assert_eq!(processor.claim("w1", 7).await.unwrap(), [claimed_n(0)]);
    let ran = processor.run_batch("w1", 7).await.unwrap();
    assert_eq!(ran, [(claimed_n(0), ProcessOutcome::Done(EventDisposition::Ignored))]);
}

#[tokio::test]
async fn events_whose_organization_is_learned_now_are_assigned_one_at_a_time_oldest_first() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    loads_per_org(&mut repo);
    repo.expect_commit_batch().returning(|w| Ok(w.iter().map(|_| Ok(())).collect()));
    // Both events name org_5; the ledger knows the organization of neither.
    let unknown = |n: u32, created: i64| ClaimedEvent { org_id: None, payload: b"5".to_vec(), created: at(created), ..claimed_n(n) };
    let mut order = mockall::Sequence::new();
    ledger
        .expect_assign_org()
        .withf(|id, _, o, _| id == &event_id("evt_7") && o == &org("org_5"))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _, _, _| Ok(Assignment::Proceed));
    ledger
        .expect_assign_org()
        .withf(|id, _, _, _| id == &event_id("evt_8"))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _, _, _| Ok(Assignment::HandedBack));
    let processor = processor_at(1000, repo, ledger, MockPaymentProvider::new(), decoder());
    let outcomes: Vec<ProcessOutcome> =
        processor.process_batch(&[claimed_n(1), unknown(7, 8), unknown(8, 9)]).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        outcomes,
        [ProcessOutcome::Done(EventDisposition::Processed), ProcessOutcome::Done(EventDisposition::Processed), ProcessOutcome::HandedBack]
    );
}
