//! Finding the organization of events that name no customer (disputes, found through their
//! charge), and finishing events about subscriptions the organization does not follow.

use super::*;
use crate::ids::{StripeChargeId, StripeCustomerId, StripeDisputeId};
use crate::input::{DisputeFact, SubscriptionSnapshot};
use crate::notice::Notice;
use crate::ports::{Assignment, DecodedEvent, EventDisposition, MockEventDecoder, MockWebhookLedger, PaymentError};
use crate::refund::ChargeSnapshot;
use crate::services::ProcessOutcome;

fn processor(
    repo: MockBillingRepository,
    ledger: MockWebhookLedger,
    payments: MockPaymentProvider,
    decoder: MockEventDecoder,
) -> Processor {
    processor_at(1000, repo, ledger, payments, decoder)
}

fn charge() -> StripeChargeId {
    StripeChargeId::parse("ch_1").unwrap()
}

/// Charge `ch_1` as Stripe returns it, made to `customer`.
fn charge_of(customer: Option<StripeCustomerId>) -> ChargeSnapshot {
    ChargeSnapshot { id: charge(), customer, amount: usd(2_900), amount_refunded: usd(0) }
}

/// The decoder reads a dispute of charge `ch_1`: no customer, no organization named.
fn decodes_dispute(decoder: &mut MockEventDecoder) {
    let dispute = DisputeFact {
        id: StripeDisputeId::parse("dp_1").unwrap(),
        charge_id: charge(),
        amount: usd(2_900),
        reason: "fraudulent".into(),
        status: "needs_response".into(),
    };
    let decoded =
        DecodedEvent { event: Some(event(1, 10, StripeFact::DisputeOpened(dispute))), org_hint: None, customer: None, livemode: false };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
}

#[tokio::test]
async fn a_dispute_is_applied_to_the_organization_owning_its_charges_customer_with_a_notice() {
    let (mut repo, mut ledger, mut payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_dispute(&mut decoder);
    payments.expect_retrieve_charge().withf(|c| c == &charge()).times(1).returning(|_| Ok(charge_of(Some(customer("cus_1")))));
    repo.expect_find_by_customer().withf(|c| c == &customer("cus_1")).returning(|_| Ok(Some(org("org_1"))));
    ledger.expect_assign_org().withf(|_, _, o, _| o == &org("org_1")).times(1).returning(|_, _, _, _| Ok(Assignment::Proceed));
    loads(&mut repo, team_state());
    repo.expect_commit()
        .withf(|c| {
            matches!(c.notices[..], [Notice::DisputeOpened { ref reason, amount, .. }] if reason == "fraudulent" && amount == usd(2_900))
                && c.state == team_state()
        })
        .times(1)
        .returning(|_| Ok(5));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed_event(None, 0, at(11), at(1030))).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Processed));
}

#[tokio::test]
async fn a_dispute_whose_charge_has_no_known_owner_is_retried_as_unowned() {
    for answer in [Ok(charge_of(None)), Err(PaymentError::NotConfigured), Err(PaymentError::NotFound { resource: "charge".into() })] {
        let (mut repo, mut ledger, mut payments, mut decoder) =
            (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
        decodes_dispute(&mut decoder);
        let answer = std::sync::Mutex::new(Some(answer));
        payments.expect_retrieve_charge().times(1).returning(move |_| answer.lock().unwrap().take().unwrap());
        repo.expect_find_by_customer().never();
        ledger.expect_fail().withf(|_, _, reason, _| reason.contains("not known yet")).times(1).returning(|_, _, _, _| Ok(()));
        let outcome = processor(repo, ledger, payments, decoder).process(&claimed_event(None, 0, at(11), at(1030))).await.unwrap();
        assert!(matches!(outcome, ProcessOutcome::Retry { .. }), "{outcome:?}");
    }
}

#[tokio::test]
async fn a_failed_read_of_a_disputed_charge_is_retried_with_its_cause() {
    let (repo, mut ledger, mut payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    decodes_dispute(&mut decoder);
    payments.expect_retrieve_charge().times(1).returning(|_| Err(PaymentError::Unavailable));
    ledger.expect_fail().withf(|_, _, reason, _| reason.contains("disputed charge")).times(1).returning(|_, _, _, _| Ok(()));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed_event(None, 0, at(11), at(1030))).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Retry { .. }), "{outcome:?}");
}

#[tokio::test]
async fn a_second_live_subscription_is_finished_as_ignored_with_its_report() {
    let (mut repo, ledger, payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    let second = SubscriptionSnapshot { id: sub("sub_2"), ..snapshot("price_enterprise", SubscriptionStatus::Active) };
    let decoded = DecodedEvent {
        event: Some(event(2, 20, StripeFact::SubscriptionChanged(second))),
        org_hint: None,
        customer: Some(customer("cus_1")),
        livemode: false,
    };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
    repo.expect_find_by_customer().returning(|_| Ok(Some(org("org_1"))));
    loads(&mut repo, team_state());
    repo.expect_commit()
        .withf(|c| {
            c.state == team_state()
                && matches!(c.notices[..], [Notice::SecondSubscription { .. }])
                && c.event.as_ref().is_some_and(|e| e.disposition == EventDisposition::Ignored)
        })
        .times(1)
        .returning(|_| Ok(5));
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed_event(Some("org_1"), 0, at(21), at(1030))).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Ignored));
}

#[tokio::test]
async fn events_naming_only_a_subscription_find_its_owner() {
    let facts = [
        StripeFact::TrialWillEnd { subscription_id: sub("sub_1"), ends_at: at(3 * 86_400) },
        StripeFact::ScheduleChanged(crate::input::ScheduleSnapshot {
            id: schedule_id("sub_sched_1"),
            subscription_id: Some(sub("sub_1")),
            status: crate::input::ScheduleStatus::Released,
            next_phase: None,
        }),
        StripeFact::InvoiceUpcoming(crate::input::UpcomingInvoice {
            subscription_id: Some(sub("sub_1")),
            customer_id: None,
            amount: usd(100),
            renews_at: at(86_400),
        }),
    ];
    for fact in facts {
        let (mut repo, mut ledger, payments, mut decoder) =
            (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
        let decoded = DecodedEvent { event: Some(event(2, 20, fact.clone())), org_hint: None, customer: None, livemode: false };
        decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
        repo.expect_find_by_subscription().withf(|s| s == &sub("sub_1")).times(1).returning(|_| Ok(Some(org("org_1"))));
        ledger.expect_assign_org().withf(|_, _, o, _| o == &org("org_1")).times(1).returning(|_, _, _, _| Ok(Assignment::HandedBack));
        let outcome = processor(repo, ledger, payments, decoder).process(&claimed_event(None, 0, at(21), at(1030))).await.unwrap();
        assert_eq!(outcome, ProcessOutcome::HandedBack, "{}", fact.name());
    }
}
