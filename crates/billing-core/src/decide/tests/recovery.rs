//! The payment-recovered notice: once per way out of past_due or unpaid, timed from the failure.

use super::*;
use crate::input::StripeFact;

const DAY: i64 = 86_400;

fn recoveries(d: &Decision) -> Vec<&Notice> {
    notices(d).into_iter().filter(|n| matches!(n, Notice::PaymentRecovered { .. })).collect()
}

fn failed(rules: &Rules, state: &BillingState, n: u32, created: i64) -> BillingState {
    stripe(rules, state, event(n, created, StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 9_900))))
}

#[test]
fn a_paid_invoice_after_a_failure_is_noticed_as_a_recovery_at_the_invoice_s_time() {
    let rules = rules();
    let past_due = failed(&rules, &on_team(&rules), 2, 100);
    let paid = StripeFact::InvoicePaid(invoice_fact("in_1", 9_900));
    // Applied long after Stripe sent it: the recovery is timed by Stripe's clock.
    let d = apply(&rules, &past_due, Input::Stripe(event(3, 3 * DAY, paid)), at(9 * DAY));
    assert_eq!(recoveries(&d), vec![&Notice::PaymentRecovered { failed_at: at(100), recovered_at: at(3 * DAY) }]);
}

#[test]
fn a_second_failure_does_not_restart_the_time_to_recovery() {
    let rules = rules();
    let past_due = failed(&rules, &on_team(&rules), 2, 100);
    let mut again = invoice_fact("in_1", 9_900);
    again.next_attempt = Some(at(5 * DAY));
    let twice = stripe(&rules, &past_due, event(3, 2 * DAY, StripeFact::InvoicePaymentFailed(again)));
    let d = apply(&rules, &twice, Input::Stripe(event(4, 4 * DAY, StripeFact::InvoicePaid(invoice_fact("in_1", 9_900)))), at(4 * DAY));
    assert_eq!(recoveries(&d), vec![&Notice::PaymentRecovered { failed_at: at(100), recovered_at: at(4 * DAY) }]);
}

#[test]
fn a_reconcile_that_finds_the_subscription_active_again_is_a_recovery_now() {
    let rules = rules();
    let past_due = failed(&rules, &on_team(&rules), 2, 100);
    let d = apply(&rules, &past_due, Input::SubscriptionFetched(snapshot("price_team", SubscriptionStatus::Active)), at(2 * DAY));
    assert_eq!(d.state.status(), SubscriptionStatus::Active);
    assert_eq!(recoveries(&d), vec![&Notice::PaymentRecovered { failed_at: at(100), recovered_at: at(2 * DAY) }]);
}

#[test]
fn leaving_unpaid_is_timed_from_the_last_failed_attempt_once_the_grace_deadline_is_gone() {
    let rules = rules();
    let past_due = failed(&rules, &on_team(&rules), 2, 100);
    let unpaid =
        stripe(&rules, &past_due, event(3, 8 * DAY, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Unpaid))));
    assert_eq!((unpaid.status(), unpaid.grace_until()), (SubscriptionStatus::Unpaid, None));
    let d = apply(&rules, &unpaid, Input::SubscriptionFetched(snapshot("price_team", SubscriptionStatus::Active)), at(10 * DAY));
    assert_eq!(recoveries(&d), vec![&Notice::PaymentRecovered { failed_at: at(100), recovered_at: at(10 * DAY) }]);
}

#[test]
fn payments_that_do_not_end_a_failure_and_endings_that_are_not_payments_are_no_recovery() {
    let rules = rules();
    let active = on_team(&rules);
    let renewal = apply(&rules, &active, Input::Stripe(event(2, 100, StripeFact::InvoicePaid(invoice_fact("in_1", 9_900)))), at(100));
    assert_eq!(renewal.state.status(), SubscriptionStatus::Active);
    assert!(recoveries(&renewal).is_empty());
    let past_due = failed(&rules, &active, 2, 100);
    let ended = apply(&rules, &past_due, Input::SubscriptionFetched(snapshot("price_team", SubscriptionStatus::Canceled)), at(DAY));
    assert_eq!(ended.state.status(), SubscriptionStatus::Canceled);
    assert!(recoveries(&ended).is_empty());
    let still = apply(&rules, &past_due, Input::SubscriptionFetched(snapshot("price_team", SubscriptionStatus::PastDue)), at(DAY));
    assert!(recoveries(&still).is_empty());
}

#[test]
fn a_recovery_is_never_timed_before_its_failure() {
    let rules = rules();
    let past_due = failed(&rules, &on_team(&rules), 2, 5 * DAY);
    // A re-read at a moment our clock places before Stripe's failure time.
    let d = apply(&rules, &past_due, Input::SubscriptionFetched(snapshot("price_team", SubscriptionStatus::Active)), at(4 * DAY));
    assert_eq!(recoveries(&d), vec![&Notice::PaymentRecovered { failed_at: at(5 * DAY), recovered_at: at(5 * DAY) }]);
}
