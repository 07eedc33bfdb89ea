//! Recording a recovered page: each event resolved like a delivery, and who recovered them
//! handed to the ledger with the page.

use super::intake::{delivery, intake};
use super::*;
use crate::ports::{MockWebhookLedger, RecordOutcome};
use crate::services::{IntakeOutcome, StripeMode, VerifiedDelivery};

fn fetched(id: &str, livemode: bool) -> VerifiedDelivery {
    VerifiedDelivery { id: event_id(id), livemode, verified_by: None, ..delivery(None) }
}

#[tokio::test]
async fn a_recovered_page_is_recorded_in_one_call_naming_the_operator_for_the_customers_owner() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    repo.expect_find_by_customer().times(2).returning(|_| Ok(Some(org("org_1"))));
    ledger
        .expect_record_recovered()
        .withf(|events, actor, now| {
            actor == "alice"
                && *now == at(11)
                && events.iter().map(|e| (e.id.as_str(), e.org_id.clone(), e.received_at)).collect::<Vec<_>>()
                    == [("evt_a", Some(org("org_1")), at(11)), ("evt_b", Some(org("org_1")), at(11))]
        })
        .times(1)
        .returning(|_, _, _| Ok(vec![RecordOutcome::Recorded, RecordOutcome::Duplicate]));
    ledger.expect_record().never();
    let outcomes = intake(repo, ledger).record_recovered(vec![fetched("evt_a", false), fetched("evt_b", false)], "alice").await.unwrap();
    assert_eq!(outcomes, [IntakeOutcome::Recorded, IntakeOutcome::Duplicate]);
}

#[tokio::test]
async fn a_recovered_event_of_the_other_mode_is_set_aside_and_its_owner_not_looked_up() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    repo.expect_find_by_customer().never();
    ledger
        .expect_record_recovered()
        .withf(|events, _, _| {
            events.len() == 1 && events[0].org_id.is_none() && events[0].set_aside.as_deref().is_some_and(|r| r.contains("live mode event"))
        })
        .times(1)
        .returning(|_, _, _| Ok(vec![RecordOutcome::Recorded]));
    let test_only = intake(repo, ledger).expecting_mode(Some(StripeMode::Test));
    let outcomes = test_only.record_recovered(vec![fetched("evt_live", true)], "alice").await.unwrap();
    assert_eq!(outcomes, [IntakeOutcome::IgnoredForMode { expected: StripeMode::Test, received: StripeMode::Live }]);
}
