//! Webhook intake and Stripe's modes: an event of the other mode never reaches the ledger's queue.

use super::intake::{delivery, intake};
use super::*;
use crate::ports::{MockWebhookLedger, RecordOutcome};
use crate::services::{IntakeOutcome, StripeMode, VerifiedDelivery};

/// A delivery of `org_1`'s customer `cus_1` in the given mode.
fn in_mode(livemode: bool) -> VerifiedDelivery {
    VerifiedDelivery { livemode, ..delivery(None) }
}

#[tokio::test]
async fn a_test_mode_event_at_a_live_intake_is_ignored_for_its_mode_and_never_queued() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    repo.expect_find_by_customer().never();
    repo.expect_load_or_create().never();
    ledger.expect_record().never();
    let live = intake(repo, ledger).expecting_mode(Some(StripeMode::Live));
    let outcome = live.record(in_mode(false)).await.unwrap();
    assert_eq!(outcome, IntakeOutcome::IgnoredForMode { expected: StripeMode::Live, received: StripeMode::Test });
}

#[tokio::test]
async fn a_live_event_at_a_test_intake_is_ignored_for_its_mode_as_well() {
    let (repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    ledger.expect_record().never();
    let test = intake(repo, ledger).expecting_mode(Some(StripeMode::Test));
    let outcome = test.record(in_mode(true)).await.unwrap();
    assert_eq!(outcome, IntakeOutcome::IgnoredForMode { expected: StripeMode::Test, received: StripeMode::Live });
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
