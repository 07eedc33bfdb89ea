use super::*;
use crate::input::CheckoutCompletion;
use crate::ports::{
    Assignment, ClaimedEvent, DecodeError, DecodedEvent, EventDisposition, MockEventDecoder, MockWebhookLedger, PaymentError,
    RepositoryError,
};
use crate::services::ProcessOutcome;
use crate::services::TenantDisagreement;

fn processor(
    repo: MockBillingRepository,
    ledger: MockWebhookLedger,
    payments: MockPaymentProvider,
    decoder: MockEventDecoder,
) -> Processor {
    processor_at(1000, repo, ledger, payments, decoder)
}

fn claimed(org_id: Option<&str>, attempts: u32) -> ClaimedEvent {
    claimed_event(org_id, attempts, at(11), at(1030))
}

fn decodes_to(decoder: &mut MockEventDecoder, fact: Option<StripeFact>, hint: Option<&str>) {
    let decoded =
        DecodedEvent { event: fact.map(|f| event(1, 10, f)), org_hint: hint.map(org), customer: Some(customer("cus_1")), livemode: false };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
}

/// The decoder returns `ev` with no organization hint and no customer.
fn decodes_event(decoder: &mut MockEventDecoder, ev: crate::input::StripeEvent) {
    let decoded = DecodedEvent { event: Some(ev), org_hint: None, customer: None, livemode: false };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
}

/// The repository maps Stripe customer `cus_1` to `owner`.
fn owns_cus_1(repo: &mut MockBillingRepository, owner: &'static str) {
    repo.expect_find_by_customer().withf(|c| c == &customer("cus_1")).returning(move |_| Ok(Some(org(owner))));
}

fn team_snapshot() -> StripeFact {
    StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active))
}

#[tokio::test]
async fn event_is_applied_and_marked_done_in_one_commit() {
    let (mut repo, ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_to(&mut decoder, Some(team_snapshot()), None);
    owns_cus_1(&mut repo, "org_1");
    loads(&mut repo, new_org());
    repo.expect_commit()
        .withf(|c| {
            c.state.plan() == &plan("team")
                && c.audit.len() == 1
                && c.event
                    .as_ref()
                    .is_some_and(|e| e.event_id == event_id("evt_1") && e.holder == "w1" && e.disposition == EventDisposition::Processed)
        })
        .times(1)
        .returning(|_| Ok(1));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 0)).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Processed));
}

#[tokio::test]
async fn event_for_an_unknown_organization_is_retried_with_backoff_not_dropped() {
    let (mut repo, mut ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_to(&mut decoder, Some(team_snapshot()), None);
    repo.expect_find_by_customer().returning(|_| Ok(None));
    repo.expect_find_by_subscription().returning(|_| Ok(None));
    repo.expect_commit().never();
    ledger
        .expect_fail()
        .withf(|id, holder, _, next| id == &event_id("evt_1") && holder == "w1" && *next >= at(1002) && *next < at(1003))
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(None, 0)).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Retry { .. }));
}

#[tokio::test]
async fn organization_found_through_the_customer_is_assigned_to_the_event() {
    let (mut repo, mut ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_to(&mut decoder, Some(team_snapshot()), None);
    repo.expect_find_by_customer().returning(|_| Ok(Some(org("org_7"))));
    ledger
        .expect_assign_org()
        .withf(|id, holder, o, _| id == &event_id("evt_1") && holder == "w1" && o == &org("org_7"))
        .times(1)
        .returning(|_, _, _, _| Ok(Assignment::Proceed));
    repo.expect_load_or_create().withf(|o, _| o == &org("org_7")).returning(|_, _| Ok(BillingState::new(org("org_7"), plan("free"))));
    repo.expect_commit().times(1).returning(|_| Ok(1));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(None, 0)).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Processed));
}

#[tokio::test]
async fn event_whose_late_found_organization_is_busy_is_handed_back_unapplied() {
    let (mut repo, mut ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_to(&mut decoder, Some(team_snapshot()), None);
    repo.expect_find_by_customer().returning(|_| Ok(Some(org("org_7"))));
    ledger.expect_assign_org().times(1).returning(|_, _, _, _| Ok(Assignment::HandedBack));
    repo.expect_load_or_create().never();
    repo.expect_commit().never();
    ledger.expect_fail().never();
    ledger.expect_complete().never();
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(None, 0)).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::HandedBack);
}

#[tokio::test]
async fn failing_on_the_last_attempt_dead_letters_the_event() {
    let (mut repo, mut ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_to(&mut decoder, Some(team_snapshot()), Some("org_1"));
    repo.expect_find_by_customer().returning(|_| Ok(None));
    let unreadable = || RepositoryError::Unknown(anyhow::anyhow!("column `status` holds an invalid value"));
    repo.expect_load_or_create().withf(|o, _| o == &org("org_1")).returning(move |_, _| Err(unreadable()));
    ledger.expect_fail().never();
    ledger.expect_dead_letter().times(1).returning(|_, _, _, _| Ok(()));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 2)).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Dead { .. }));
}

#[tokio::test]
async fn malformed_payload_goes_straight_to_the_dead_letter() {
    let (repo, mut ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decoder.expect_decode().returning(|_| Err(DecodeError::Malformed("no data.object".into())));
    ledger.expect_dead_letter().times(1).returning(|_, _, _, _| Ok(()));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 0)).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Dead { .. }));
}

#[tokio::test]
async fn event_types_billing_ignores_are_completed_as_ignored() {
    let (repo, mut ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_to(&mut decoder, None, None);
    ledger.expect_complete().withf(|_, _, d, _| *d == EventDisposition::Ignored).times(1).returning(|_, _, _, _| Ok(()));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(None, 0)).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Ignored));
}

#[tokio::test]
async fn same_second_tie_is_settled_by_reading_the_subscription_from_stripe() {
    let (mut repo, ledger, mut payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    // The stored state's watermark is evt_1 at second 10; this event is evt_2 in the same second.
    decodes_event(&mut decoder, event(2, 10, StripeFact::SubscriptionChanged(snapshot("price_solo", SubscriptionStatus::Active))));
    loads(&mut repo, team_state());
    payments.expect_retrieve_subscription().times(1).returning(|_| Ok(snapshot("price_enterprise", SubscriptionStatus::Active)));
    repo.expect_commit().withf(|c| c.state.plan() == &plan("enterprise")).times(1).returning(|_| Ok(5));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 0)).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Processed));
}

#[tokio::test]
async fn tie_without_a_stripe_key_applies_the_events_own_snapshot() {
    let (mut repo, ledger, mut payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_event(&mut decoder, event(2, 10, StripeFact::SubscriptionChanged(snapshot("price_solo", SubscriptionStatus::Active))));
    loads(&mut repo, team_state());
    payments.expect_retrieve_subscription().returning(|_| Err(PaymentError::NotConfigured));
    repo.expect_commit().withf(|c| c.state.plan() == &plan("solo")).times(1).returning(|_| Ok(5));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 0)).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Processed));
}

#[tokio::test]
async fn stale_event_is_completed_as_stale_without_a_state_write() {
    let (mut repo, mut ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_event(&mut decoder, event(0, 5, team_snapshot()));
    loads(&mut repo, team_state());
    repo.expect_commit().never();
    ledger.expect_complete().withf(|_, _, d, _| *d == EventDisposition::Stale).times(1).returning(|_, _, _, _| Ok(()));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 0)).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Stale));
}

/// A processor that collects the tenant disagreements it reports.
fn watched(
    repo: MockBillingRepository,
    ledger: MockWebhookLedger,
    decoder: MockEventDecoder,
) -> (Processor, Arc<std::sync::Mutex<Vec<TenantDisagreement>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let processor = processor(repo, ledger, MockPaymentProvider::new(), decoder);
    (processor.on_tenant_disagreement(move |d| sink.lock().unwrap().push(d.clone())), seen)
}

#[tokio::test]
async fn an_event_naming_another_organization_is_applied_to_the_customers_owner_and_reported_once() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    let failed = event(2, 20, StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 9_900)));
    let decoded = DecodedEvent { event: Some(failed), org_hint: Some(org("org_b")), customer: Some(customer("cus_1")), livemode: false };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
    owns_cus_1(&mut repo, "org_1");
    // The event moves to its owner's queue; the owner is busy, so it comes back later.
    ledger.expect_assign_org().withf(|_, _, o, _| o == &org("org_1")).times(1).returning(|_, _, _, _| Ok(Assignment::HandedBack));
    repo.expect_load_or_create().withf(|o, _| o == &org("org_1")).times(1).returning(|_, _| Ok(team_state()));
    repo.expect_commit()
        .withf(|c| c.state.org_id() == &org("org_1") && c.state.status() == SubscriptionStatus::PastDue)
        .times(1)
        .returning(|_| Ok(5));
    let (processor, seen) = watched(repo, ledger, decoder);
    assert_eq!(processor.process(&claimed(Some("org_b"), 0)).await.unwrap(), ProcessOutcome::HandedBack);
    assert_eq!(processor.process(&claimed(Some("org_1"), 0)).await.unwrap(), ProcessOutcome::Done(EventDisposition::Processed));
    let reported = TenantDisagreement {
        event_id: event_id("evt_1"),
        event_type: "customer.subscription.updated".into(),
        customer: customer("cus_1"),
        owner: org("org_1"),
        named: org("org_b"),
    };
    assert_eq!(*seen.lock().unwrap(), vec![reported]);
}

#[tokio::test]
async fn a_paid_checkout_naming_another_organization_never_moves_the_customer_to_it() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    let completion = CheckoutCompletion {
        session_id: session("cs_link"),
        customer_id: Some(customer("cus_1")),
        subscription_id: Some(sub("sub_2")),
        complete: true,
        paid: true,
    };
    decodes_to(&mut decoder, Some(StripeFact::CheckoutCompleted(completion)), Some("org_b"));
    owns_cus_1(&mut repo, "org_1");
    ledger.expect_assign_org().returning(|_, _, _, _| Ok(Assignment::Proceed));
    repo.expect_load_or_create().withf(|o, _| o == &org("org_b")).never();
    repo.expect_load_or_create().withf(|o, _| o == &org("org_1")).returning(|_, _| Ok(team_state()));
    // The owner already pays for a subscription, so the checkout changes nothing anywhere.
    repo.expect_commit().never();
    ledger.expect_complete().withf(|_, _, d, _| *d == EventDisposition::Processed).times(1).returning(|_, _, _, _| Ok(()));
    let (processor, seen) = watched(repo, ledger, decoder);
    assert_eq!(processor.process(&claimed(Some("org_b"), 0)).await.unwrap(), ProcessOutcome::Done(EventDisposition::Processed));
    assert_eq!(seen.lock().unwrap().iter().map(|d| (&d.owner, &d.named)).collect::<Vec<_>>(), [(&org("org_1"), &org("org_b"))]);
}
