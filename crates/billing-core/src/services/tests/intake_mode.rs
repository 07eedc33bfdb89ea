//! Stripe's modes: an event of the other mode is recorded as ignored, never queued, and a
//! worker refuses to apply one that reaches it anyway (a replay).

use super::intake::{delivery, intake};
use super::*;
use crate::ports::{DecodedEvent, EventDisposition, MockEventDecoder, MockWebhookLedger, RecordOutcome};
use crate::services::{IntakeOutcome, ProcessOutcome, StripeMode, VerifiedDelivery};

/// A delivery of `org_1`'s customer `cus_1` in the given mode.
fn in_mode(livemode: bool) -> VerifiedDelivery {
    VerifiedDelivery { livemode, ..delivery(None) }
}

/// The ledger expects one event set aside with a reason naming both modes, for no organization.
fn expects_set_aside(ledger: &mut MockWebhookLedger, received: &'static str, serves: &'static str, outcome: RecordOutcome) {
    ledger
        .expect_record()
        .withf(move |e| {
            let reason = e.set_aside.as_deref().unwrap_or_default();
            e.org_id.is_none() && reason.contains(&format!("{received} mode event")) && reason.contains(&format!("serves {serves} mode"))
        })
        .times(1)
        .returning(move |_| Ok(outcome));
}

#[tokio::test]
async fn a_test_mode_event_at_a_live_intake_is_recorded_as_ignored_for_its_mode_and_never_queued() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    repo.expect_find_by_customer().never();
    repo.expect_load_or_create().never();
    expects_set_aside(&mut ledger, "test", "live", RecordOutcome::Recorded);
    let live = intake(repo, ledger).expecting_mode(Some(StripeMode::Live));
    let outcome = live.record(in_mode(false)).await.unwrap();
    assert_eq!(outcome, IntakeOutcome::IgnoredForMode { expected: StripeMode::Live, received: StripeMode::Test });
}

#[tokio::test]
async fn a_live_event_at_a_test_intake_is_recorded_as_ignored_as_well() {
    let (repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    expects_set_aside(&mut ledger, "live", "test", RecordOutcome::Recorded);
    let test = intake(repo, ledger).expecting_mode(Some(StripeMode::Test));
    let outcome = test.record(in_mode(true)).await.unwrap();
    assert_eq!(outcome, IntakeOutcome::IgnoredForMode { expected: StripeMode::Test, received: StripeMode::Live });
}

#[tokio::test]
async fn a_repeated_delivery_of_the_other_mode_is_a_duplicate() {
    let (repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    expects_set_aside(&mut ledger, "test", "live", RecordOutcome::Duplicate);
    let live = intake(repo, ledger).expecting_mode(Some(StripeMode::Live));
    assert_eq!(live.record(in_mode(false)).await.unwrap(), IntakeOutcome::Duplicate);
}

/// A processor serving `serves` whose decoder reads a Team update of `cus_1` in `livemode`.
fn processor_reading(serves: Option<StripeMode>, livemode: bool, repo: MockBillingRepository, ledger: MockWebhookLedger) -> Processor {
    let mut decoder = MockEventDecoder::new();
    let fact = StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active));
    let decoded = DecodedEvent { event: Some(event(1, 10, fact)), org_hint: Some(org("org_1")), customer: None, livemode };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
    processor_at(1000, repo, ledger, MockPaymentProvider::new(), decoder).expecting_mode(serves)
}

#[tokio::test]
async fn a_replayed_test_mode_event_reaching_a_live_worker_is_ignored_with_its_reason_and_never_applied() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    repo.expect_find_by_customer().never();
    repo.expect_load_or_create().never();
    repo.expect_commit().never();
    ledger
        .expect_ignore()
        .withf(|id, holder, reason, _| id == &event_id("evt_1") && holder == "w1" && reason.contains("test mode event"))
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    ledger.expect_complete().never();
    let live = processor_reading(Some(StripeMode::Live), false, repo, ledger);
    let outcome = live.process(&claimed_event(Some("org_1"), 0, at(11), at(1030))).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Ignored));
}

#[tokio::test]
async fn a_worker_applies_events_of_its_own_mode_and_of_both_when_it_expects_none() {
    for (serves, livemode) in [(Some(StripeMode::Live), true), (Some(StripeMode::Test), false), (None, true), (None, false)] {
        let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
        loads(&mut repo, new_org());
        repo.expect_commit().times(1).returning(|c| Ok(c.state.version() + 1));
        ledger.expect_ignore().never();
        let worker = processor_reading(serves, livemode, repo, ledger);
        let outcome = worker.process(&claimed_event(Some("org_1"), 0, at(11), at(1030))).await.unwrap();
        assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Processed), "serving {serves:?}, livemode {livemode}");
    }
}

#[tokio::test]
async fn an_event_of_the_expected_mode_is_recorded_with_its_mode() {
    for (mode, livemode) in [(StripeMode::Live, true), (StripeMode::Test, false)] {
        let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
        repo.expect_find_by_customer().returning(|_| Ok(Some(org("org_1"))));
        ledger
            .expect_record()
            .withf(move |e| e.livemode == livemode && e.org_id == Some(org("org_1")))
            .times(1)
            .returning(|_| Ok(RecordOutcome::Recorded));
        let outcome = intake(repo, ledger).expecting_mode(Some(mode)).record(in_mode(livemode)).await.unwrap();
        assert_eq!(outcome, IntakeOutcome::Recorded, "a {} event at a {} intake", mode.as_str(), mode.as_str());
    }
}

#[tokio::test]
async fn an_intake_expecting_no_mode_records_events_of_both_modes() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    repo.expect_find_by_customer().returning(|_| Ok(Some(org("org_1"))));
    ledger.expect_record().times(2).returning(|_| Ok(RecordOutcome::Recorded));
    let both = intake(repo, ledger).expecting_mode(Some(StripeMode::Live)).expecting_mode(None);
    assert_eq!(both.record(in_mode(true)).await.unwrap(), IntakeOutcome::Recorded);
    assert_eq!(both.record(in_mode(false)).await.unwrap(), IntakeOutcome::Recorded);
}

#[test]
fn the_mode_follows_the_envelopes_livemode_and_names_itself_for_metric_labels() {
    assert_eq!((StripeMode::of(true), StripeMode::of(false)), (StripeMode::Live, StripeMode::Test));
    assert_eq!((StripeMode::Live.as_str(), StripeMode::Test.as_str()), ("live", "test"));
}
