//! Webhook intake: which organization a delivery is recorded for, and what storage failures mean.

use super::*;
use crate::ports::{LedgerError, MockWebhookLedger, RecordOutcome, RepositoryError};
use crate::services::{IntakeError, IntakeOutcome, TenantDisagreement, VerifiedDelivery, WebhookIntake};

pub(super) type Intake = WebhookIntake<MockBillingRepository, MockWebhookLedger, ManualClock>;

/// A test-mode `invoice.paid` about customer `cus_1`, naming `org_hint`, verified by secret 1.
pub(super) fn delivery(org_hint: Option<&str>) -> VerifiedDelivery {
    VerifiedDelivery {
        id: event_id("evt_1"),
        event_type: "invoice.paid".into(),
        created: at(10),
        api_version: Some("2026-10-28.endive".into()),
        livemode: false,
        org_hint: org_hint.map(org),
        customer: Some(customer("cus_1")),
        payload: b"{}".to_vec(),
        verified_by: Some(1),
    }
}

/// An intake over the mocks, accepting both modes, whose clock says `at(11)`.
pub(super) fn intake(repo: MockBillingRepository, ledger: MockWebhookLedger) -> Intake {
    WebhookIntake::new(Arc::new(repo), Arc::new(ledger), Arc::new(ManualClock::new(at(11))), Arc::new(rules()))
}

/// The repository maps Stripe customer `cus_1` to `owner` (or to nobody).
fn cus_1_owned_by(repo: &mut MockBillingRepository, owner: Option<&'static str>) {
    repo.expect_find_by_customer().withf(|c| c == &customer("cus_1")).times(1).returning(move |_| Ok(owner.map(org)));
}

/// The ledger expects exactly one event, recorded for `org_id`.
fn records_for(ledger: &mut MockWebhookLedger, org_id: Option<&'static str>) {
    ledger.expect_record().withf(move |e| e.org_id == org_id.map(org)).times(1).returning(|_| Ok(RecordOutcome::Recorded));
}

#[tokio::test]
async fn a_delivery_naming_another_organization_is_recorded_for_the_customers_owner_and_creates_nothing() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    cus_1_owned_by(&mut repo, Some("org_1"));
    repo.expect_load_or_create().never();
    records_for(&mut ledger, Some("org_1"));
    intake(repo, ledger).record(delivery(Some("org_b"))).await.unwrap();
}

#[tokio::test]
async fn a_delivery_naming_its_organization_for_a_customer_nobody_owns_is_recorded_for_it_without_creating_it() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    cus_1_owned_by(&mut repo, None);
    // The worker creates the organization when it applies the event; intake only records.
    repo.expect_load_or_create().never();
    records_for(&mut ledger, Some("org_1"));
    intake(repo, ledger).record(delivery(Some("org_1"))).await.unwrap();
}

#[tokio::test]
async fn a_delivery_without_a_customer_is_recorded_for_the_organization_it_names() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    repo.expect_find_by_customer().never();
    repo.expect_load_or_create().never();
    records_for(&mut ledger, Some("org_1"));
    intake(repo, ledger).record(VerifiedDelivery { customer: None, ..delivery(Some("org_1")) }).await.unwrap();
}

#[tokio::test]
async fn a_delivery_for_an_unknown_customer_is_recorded_without_an_organization() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    cus_1_owned_by(&mut repo, None);
    ledger
        .expect_record()
        .withf(|e| e.org_id.is_none() && e.verified_by == Some(1) && e.received_at == at(11) && e.id == event_id("evt_1"))
        .times(1)
        .returning(|_| Ok(RecordOutcome::Duplicate));
    assert_eq!(intake(repo, ledger).record(delivery(None)).await.unwrap(), IntakeOutcome::Duplicate);
}

#[tokio::test]
async fn a_disagreement_between_the_named_organization_and_the_customers_owner_is_reported_once() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    cus_1_owned_by(&mut repo, Some("org_1"));
    records_for(&mut ledger, Some("org_1"));
    let seen = Arc::new(std::sync::Mutex::new(Vec::<TenantDisagreement>::new()));
    let sink = Arc::clone(&seen);
    let watched = intake(repo, ledger).on_tenant_disagreement(move |d| sink.lock().unwrap().push(d.clone()));
    assert_eq!(watched.record(delivery(Some("org_b"))).await.unwrap(), IntakeOutcome::Recorded);
    let expected = TenantDisagreement {
        event_id: event_id("evt_1"),
        event_type: "invoice.paid".into(),
        customer: customer("cus_1"),
        owner: org("org_1"),
        named: org("org_b"),
    };
    assert_eq!(*seen.lock().unwrap(), vec![expected]);
}

#[tokio::test]
async fn a_delivery_naming_the_customers_owner_is_no_disagreement() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    cus_1_owned_by(&mut repo, Some("org_1"));
    records_for(&mut ledger, Some("org_1"));
    let seen = Arc::new(std::sync::Mutex::new(0_u32));
    let sink = Arc::clone(&seen);
    let watched = intake(repo, ledger).on_tenant_disagreement(move |_| *sink.lock().unwrap() += 1);
    watched.record(delivery(Some("org_1"))).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), 0);
}

#[tokio::test]
async fn an_unavailable_ledger_is_reported_so_the_delivery_is_not_acknowledged() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    cus_1_owned_by(&mut repo, Some("org_1"));
    ledger.expect_record().returning(|_| Err(LedgerError::Unavailable));
    let err = intake(repo, ledger).record(delivery(None)).await.unwrap_err();
    assert!(matches!(err, IntakeError::Ledger(LedgerError::Unavailable)));
}

#[tokio::test]
async fn an_unavailable_repository_is_reported_and_nothing_is_recorded_under_a_guessed_organization() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    repo.expect_find_by_customer().returning(|_| Err(RepositoryError::Unavailable));
    ledger.expect_record().never();
    let err = intake(repo, ledger).record(delivery(Some("org_b"))).await.unwrap_err();
    assert!(matches!(err, IntakeError::Repository(RepositoryError::Unavailable)));
}
