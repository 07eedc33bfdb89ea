//! How long a failing event is retried: outages until Stripe's retry horizon, other causes
//! until the attempts cap, panics like other causes, and events no organization owns until they
//! are set aside as another product's.

use chrono::Duration;

use super::*;
use crate::ports::{ClaimedEvent, DecodedEvent, EventDisposition, MockEventDecoder, MockWebhookLedger, PaymentError, RepositoryError};
use crate::services::ProcessOutcome;

/// "Now" in every test: ten days after the epoch, so events can be days old.
const NOW: i64 = 10 * 86_400;

/// A processor at [`NOW`] giving up persistent failures after three attempts.
fn processor(
    repo: MockBillingRepository,
    ledger: MockWebhookLedger,
    payments: MockPaymentProvider,
    decoder: MockEventDecoder,
) -> Processor {
    processor_at(NOW, repo, ledger, payments, decoder)
}

/// Event `evt_1` received `age` before [`NOW`], after `attempts` attempts.
fn claimed(org_id: Option<&str>, attempts: u32, age: Duration) -> ClaimedEvent {
    claimed_event(org_id, attempts, at(NOW) - age, at(NOW + 30))
}

/// The decoder reads a Team subscription update of customer `cus_1`, naming `hint`.
fn decodes_team_update(decoder: &mut MockEventDecoder, hint: Option<&str>) {
    let fact = StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active));
    let decoded =
        DecodedEvent { event: Some(event(1, 10, fact)), org_hint: hint.map(org), customer: Some(customer("cus_1")), livemode: false };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
}

/// The ledger expects exactly one failed attempt and no dead letter.
fn expects_retry(ledger: &mut MockWebhookLedger) {
    ledger.expect_fail().times(1).returning(|_, _, _, _| Ok(()));
    ledger.expect_dead_letter().never();
}

/// The ledger expects a dead letter whose error contains `needle`, and no retry.
fn expects_dead(ledger: &mut MockWebhookLedger, needle: &'static str) {
    ledger.expect_dead_letter().withf(move |_, _, error, _| error.contains(needle)).times(1).returning(|_, _, _, _| Ok(()));
    ledger.expect_fail().never();
}

/// `org_1` loads as `team_state()` and the decoder reads a same-second update, so the
/// processor must re-read the subscription from Stripe.
fn tie_needing_stripe(repo: &mut MockBillingRepository, decoder: &mut MockEventDecoder) {
    let fact = StripeFact::SubscriptionChanged(snapshot("price_solo", SubscriptionStatus::Active));
    let decoded = DecodedEvent { event: Some(event(2, 10, fact)), org_hint: None, customer: None, livemode: false };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
    loads(repo, team_state());
}

#[tokio::test]
async fn a_database_outage_keeps_the_event_retrying_past_the_attempts_cap_until_the_horizon() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    decodes_team_update(&mut decoder, Some("org_1"));
    repo.expect_find_by_customer().returning(|_| Err(RepositoryError::Unavailable));
    expects_retry(&mut ledger);
    let processor = processor(repo, ledger, MockPaymentProvider::new(), decoder);
    // Forty attempts in, a day after receipt: far past the cap of three, well within three days.
    let outcome = processor.process(&claimed(Some("org_1"), 40, Duration::days(1))).await.unwrap();
    // The backoff is capped at ten minutes, plus at most a quarter of jitter.
    let ProcessOutcome::Retry { at: next, .. } = outcome else { panic!("retried, not {outcome:?}") };
    assert!(next >= at(NOW) + Duration::minutes(10) && next <= at(NOW) + Duration::seconds(750), "{next}");
}

#[tokio::test]
async fn a_database_outage_dead_letters_the_event_once_it_is_older_than_the_horizon() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    decodes_team_update(&mut decoder, Some("org_1"));
    repo.expect_find_by_customer().returning(|_| Err(RepositoryError::Unavailable));
    expects_dead(&mut ledger, "database unavailable");
    let processor = processor(repo, ledger, MockPaymentProvider::new(), decoder);
    let outcome = processor.process(&claimed(Some("org_1"), 400, Duration::days(3))).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Dead { .. }), "{outcome:?}");
}

#[tokio::test]
async fn stripe_timing_out_rate_limiting_or_down_is_retried_past_the_attempts_cap() {
    for error in [|| PaymentError::Timeout, || PaymentError::RateLimited, || PaymentError::Unavailable] {
        let (mut repo, mut ledger, mut payments, mut decoder) =
            (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
        tie_needing_stripe(&mut repo, &mut decoder);
        payments.expect_retrieve_subscription().returning(move |_| Err(error()));
        expects_retry(&mut ledger);
        let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 5, Duration::hours(2))).await.unwrap();
        assert!(matches!(outcome, ProcessOutcome::Retry { .. }), "{outcome:?}");
    }
}

#[tokio::test]
async fn a_request_stripe_rejects_is_dead_lettered_at_the_attempts_cap() {
    let (mut repo, mut ledger, mut payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    tie_needing_stripe(&mut repo, &mut decoder);
    payments.expect_retrieve_subscription().returning(|_| Err(PaymentError::InvalidRequest { param: None, code: None }));
    expects_dead(&mut ledger, "re-reading the subscription failed");
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 2, Duration::minutes(5))).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Dead { .. }), "{outcome:?}");
}

#[tokio::test]
async fn a_transition_that_does_not_apply_is_dead_lettered_at_the_attempts_cap_not_the_horizon() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    // The tracked subscription moved to a price the catalog lacks: a configuration error.
    let fact = StripeFact::SubscriptionChanged(snapshot("price_nobody_sells", SubscriptionStatus::Active));
    let decoded = DecodedEvent { event: Some(event(2, 20, fact)), org_hint: None, customer: None, livemode: false };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
    loads(&mut repo, team_state());
    expects_dead(&mut ledger, "cannot apply");
    let processor = processor(repo, ledger, MockPaymentProvider::new(), decoder);
    let outcome = processor.process(&claimed(Some("org_1"), 2, Duration::minutes(1))).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Dead { .. }), "{outcome:?}");
}

/// The decoder reads an update of unknown customer `cus_1` naming no organization, and no
/// organization owns the customer or the subscription.
fn unowned_update(repo: &mut MockBillingRepository, decoder: &mut MockEventDecoder) {
    decodes_team_update(decoder, None);
    repo.expect_find_by_customer().returning(|_| Ok(None));
    repo.expect_find_by_subscription().returning(|_| Ok(None));
    repo.expect_commit().never();
}

#[tokio::test]
async fn an_event_no_organization_owns_is_retried_past_the_attempts_cap_within_the_window() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    unowned_update(&mut repo, &mut decoder);
    expects_retry(&mut ledger);
    ledger.expect_ignore().never();
    let processor = processor(repo, ledger, MockPaymentProvider::new(), decoder);
    let outcome = processor.process(&claimed(None, 7, Duration::minutes(59))).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Retry { .. }), "{outcome:?}");
}

#[tokio::test]
async fn an_event_no_organization_owns_after_the_window_is_ignored_with_the_reason_not_dead() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    unowned_update(&mut repo, &mut decoder);
    ledger
        .expect_ignore()
        .withf(|id, holder, reason, now| {
            id == &event_id("evt_1") && holder == "w1" && reason.contains("another product") && *now == at(NOW)
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    ledger.expect_dead_letter().never();
    ledger.expect_fail().never();
    let processor = processor(repo, ledger, MockPaymentProvider::new(), decoder);
    let outcome = processor.process(&claimed(None, 1, Duration::hours(1))).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Ignored));
}

#[tokio::test]
async fn a_panic_is_recorded_as_a_failed_attempt_of_that_event_alone() {
    let mut ledger = MockWebhookLedger::new();
    ledger
        .expect_fail()
        .withf(|id, _, error, next| id == &event_id("evt_1") && error == "processing panicked: index out of bounds" && *next > at(NOW))
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    ledger.expect_dead_letter().never();
    let processor = processor(MockBillingRepository::new(), ledger, MockPaymentProvider::new(), MockEventDecoder::new());
    let outcome = processor.fail_panicked(&claimed(None, 0, Duration::seconds(1)), "index out of bounds").await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Retry { .. }), "{outcome:?}");
}

#[tokio::test]
async fn an_event_that_keeps_panicking_is_dead_lettered_at_the_attempts_cap() {
    let mut ledger = MockWebhookLedger::new();
    expects_dead(&mut ledger, "processing panicked: boom");
    let processor = processor(MockBillingRepository::new(), ledger, MockPaymentProvider::new(), MockEventDecoder::new());
    let outcome = processor.fail_panicked(&claimed(Some("org_1"), 2, Duration::minutes(1)), "boom").await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Dead { .. }), "{outcome:?}");
}

#[tokio::test]
async fn an_event_whose_lease_ran_out_too_often_is_dead_lettered_without_being_applied_again() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    decoder.expect_decode().never();
    repo.expect_commit().never();
    expects_dead(&mut ledger, "the lease ran out 5 times");
    let processor = processor(repo, ledger, MockPaymentProvider::new(), decoder);
    let crashed = ClaimedEvent { lease_expiries: 5, ..claimed(Some("org_1"), 5, Duration::minutes(5)) };
    let outcome = processor.process(&crashed).await.unwrap();
    assert!(matches!(outcome, ProcessOutcome::Dead { ref reason } if reason.contains("crash")), "{outcome:?}");
}

#[tokio::test]
async fn an_event_whose_lease_ran_out_fewer_times_than_the_cap_is_applied() {
    let (mut repo, mut ledger, mut decoder) = (MockBillingRepository::new(), MockWebhookLedger::new(), MockEventDecoder::new());
    decodes_team_update(&mut decoder, Some("org_1"));
    repo.expect_find_by_customer().returning(|_| Ok(Some(org("org_1"))));
    loads(&mut repo, new_org());
    repo.expect_commit().times(1).returning(|c| Ok(c.state.version() + 1));
    ledger.expect_dead_letter().never();
    let processor = processor(repo, ledger, MockPaymentProvider::new(), decoder);
    let stalled = ClaimedEvent { lease_expiries: 4, ..claimed(Some("org_1"), 4, Duration::minutes(5)) };
    assert_eq!(processor.process(&stalled).await.unwrap(), ProcessOutcome::Done(EventDisposition::Processed));
}

#[tokio::test]
async fn without_a_stripe_key_a_checkout_for_an_unknown_plan_still_records_the_customer_and_clears_the_pending_checkout() {
    let (mut repo, mut ledger, mut payments, mut decoder) =
        (MockBillingRepository::new(), MockWebhookLedger::new(), MockPaymentProvider::new(), MockEventDecoder::new());
    let rules = rules();
    let opened = crate::input::Command::CheckoutOpened {
        session_id: session("cs_1"),
        plan: plan("gold"),
        customer_id: customer("cus_1"),
        url: None,
    };
    let input = crate::input::Input::Command { actor: crate::input::Actor::User("u_1".into()), command: opened };
    let pending = crate::decide::decide(&rules, &new_org(), input, at(0)).unwrap().state;
    loads(&mut repo, pending);
    let completion = crate::input::CheckoutCompletion {
        session_id: session("cs_1"),
        customer_id: Some(customer("cus_1")),
        subscription_id: Some(sub("sub_1")),
        complete: true,
        paid: true,
    };
    let decoded = DecodedEvent {
        event: Some(event(1, 60, StripeFact::CheckoutCompleted(completion))),
        org_hint: None,
        customer: None,
        livemode: false,
    };
    decoder.expect_decode().returning(move |_| Ok(decoded.clone()));
    payments.expect_retrieve_subscription().returning(|_| Err(PaymentError::NotConfigured));
    repo.expect_commit()
        .withf(|c| c.state.customer_id() == Some(&customer("cus_1")) && c.state.pending_checkout().is_none())
        .times(1)
        .returning(|c| Ok(c.state.version() + 1));
    ledger.expect_dead_letter().never();
    let outcome = processor(repo, ledger, payments, decoder).process(&claimed(Some("org_1"), 0, Duration::minutes(1))).await.unwrap();
    assert_eq!(outcome, ProcessOutcome::Done(EventDisposition::Processed));
}
