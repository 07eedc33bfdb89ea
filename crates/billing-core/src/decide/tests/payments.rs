use super::*;
use crate::decide::Outcome;
use crate::input::{CheckoutCompletion, StripeFact};

#[test]
fn failed_renewal_moves_to_past_due_with_seven_days_of_grace_and_paid_features() {
    let rules = rules();
    let state = on_team(&rules);
    let failed_at = 30 * DAY;
    let d = apply(
        &rules,
        &state,
        Input::Stripe(event(2, failed_at, StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 9_900)))),
        at(failed_at),
    );
    assert_eq!(d.state.status(), SubscriptionStatus::PastDue);
    assert_eq!(d.state.grace_until(), Some(at(failed_at + 7 * DAY)));
    assert_eq!(d.state.plan(), &plan("team"));
    assert!(notices(&d).contains(&&Notice::PaymentFailed { grace_until: at(failed_at + 7 * DAY), amount: Some(usd(9_900)) }));
}

#[test]
fn payment_success_after_failure_returns_to_active_and_clears_grace() {
    let rules = rules();
    let past_due = stripe(&rules, &on_team(&rules), event(2, 100, StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 9_900))));
    let paid = stripe(&rules, &past_due, event(3, 200, StripeFact::InvoicePaid(invoice_fact("in_1", 9_900))));
    assert_eq!(paid.status(), SubscriptionStatus::Active);
    assert_eq!(paid.grace_until(), None);
    assert_eq!(paid.last_payment_success().map(|p| p.amount), Some(usd(9_900)));
}

#[test]
fn invoice_paid_and_payment_succeeded_for_one_invoice_count_once() {
    let rules = rules();
    let paid = stripe(&rules, &on_team(&rules), event(2, 100, StripeFact::InvoicePaid(invoice_fact("in_1", 9_900))));
    let again = apply(&rules, &paid, Input::Stripe(event(3, 100, StripeFact::InvoicePaid(invoice_fact("in_1", 9_900)))), at(101));
    assert_eq!(again.outcome, Outcome::Duplicate);
    assert_eq!(again.state, paid);
}

#[test]
fn failure_delivered_after_a_later_success_does_not_reopen_past_due() {
    let rules = rules();
    let paid = stripe(&rules, &on_team(&rules), event(3, 200, StripeFact::InvoicePaid(invoice_fact("in_2", 9_900))));
    let late = stripe(&rules, &paid, event(2, 100, StripeFact::InvoicePaymentFailed(invoice_fact("in_2", 9_900))));
    assert_eq!(late.status(), SubscriptionStatus::Active);
    assert_eq!(late.grace_until(), None);
}

#[test]
fn invoice_of_another_subscription_changes_nothing() {
    let rules = rules();
    let state = on_team(&rules);
    let mut other = invoice_fact("in_9", 100);
    other.subscription_id = Some(sub("sub_other"));
    let d = apply(&rules, &state, Input::Stripe(event(2, 100, StripeFact::InvoicePaymentFailed(other))), at(100));
    assert_eq!(d.state, state);
}

fn pending_team_checkout(rules: &Rules) -> BillingState {
    let d = command(
        rules,
        &new_org(),
        Command::CheckoutOpened {
            session_id: session("cs_1"),
            plan: plan("team"),
            customer_id: customer("cus_1"),
            url: Some("https://checkout.stripe.com/c/pay/cs_1".into()),
        },
        at(0),
    );
    d.state
}

fn completion(complete: bool, paid: bool) -> StripeFact {
    StripeFact::CheckoutCompleted(CheckoutCompletion {
        session_id: session("cs_1"),
        customer_id: Some(customer("cus_1")),
        subscription_id: Some(sub("sub_1")),
        complete,
        paid,
    })
}

#[test]
fn paid_checkout_provisions_the_plan_it_was_opened_for() {
    let rules = rules();
    let state = stripe(&rules, &pending_team_checkout(&rules), event(1, 60, completion(true, true)));
    assert_eq!(state.plan(), &plan("team"));
    assert_eq!(state.status(), SubscriptionStatus::Active);
    assert!(state.pending_checkout().is_none());
}

#[test]
fn unpaid_checkout_never_provisions() {
    let rules = rules();
    let state = stripe(&rules, &pending_team_checkout(&rules), event(1, 60, completion(true, false)));
    assert_eq!(state.plan(), &plan("free"));
    assert_eq!(state.status(), SubscriptionStatus::None);
    assert_eq!(state.customer_id(), Some(&customer("cus_1")));
}

#[test]
fn paid_but_incomplete_checkout_never_provisions() {
    let rules = rules();
    let state = stripe(&rules, &pending_team_checkout(&rules), event(1, 60, completion(false, true)));
    assert_eq!(state.plan(), &plan("free"));
    assert_eq!(state.status(), SubscriptionStatus::None);
}

#[test]
fn checkout_without_a_known_plan_asks_stripe_for_the_subscription() {
    let rules = rules();
    let d = apply(&rules, &new_org(), Input::Stripe(event(1, 60, completion(true, true))), at(60));
    assert_eq!(d.state.plan(), &plan("free"));
    assert_eq!(d.effects, vec![Effect::RefetchSubscription(sub("sub_1"))]);
}

#[test]
fn incomplete_snapshot_older_than_a_paid_checkout_is_stale() {
    let rules = rules();
    let state = stripe(&rules, &pending_team_checkout(&rules), event(2, 60, completion(true, true)));
    let d = apply(
        &rules,
        &state,
        Input::Stripe(event(1, 59, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Incomplete)))),
        at(61),
    );
    assert_eq!(d.outcome, Outcome::Stale);
    assert_eq!(d.state.plan(), &plan("team"));
}

#[test]
fn expired_checkout_clears_the_pending_session() {
    let rules = rules();
    let state = stripe(&rules, &pending_team_checkout(&rules), event(1, 90, StripeFact::CheckoutExpired { session_id: session("cs_1") }));
    assert!(state.pending_checkout().is_none());
}

#[test]
fn refunds_notify_without_touching_the_subscription() {
    let rules = rules();
    let state = on_team(&rules);
    let d = apply(
        &rules,
        &state,
        Input::Stripe(event(2, 90, StripeFact::ChargeRefunded { customer_id: None, amount_refunded: usd(500), fully_refunded: false })),
        at(90),
    );
    assert_eq!(d.state, state);
    assert_eq!(notices(&d), vec![&Notice::RefundIssued { amount: usd(500), full: false }]);
}

#[test]
fn authentication_needed_on_our_subscription_tells_the_customer_and_on_another_says_nothing() {
    let rules = rules();
    let state = on_team(&rules);
    let ours = apply(&rules, &state, Input::Stripe(event(2, 100, StripeFact::InvoiceActionRequired(invoice_fact("in_1", 9_900)))), at(100));
    assert_eq!(notices(&ours), vec![&Notice::PaymentActionRequired]);
    let mut other = invoice_fact("in_2", 9_900);
    other.subscription_id = Some(sub("sub_other"));
    let theirs = apply(&rules, &state, Input::Stripe(event(3, 100, StripeFact::InvoiceActionRequired(other))), at(100));
    assert!(notices(&theirs).is_empty());
}

#[test]
fn a_paid_checkout_for_a_plan_no_longer_in_the_catalog_asks_stripe_what_was_bought() {
    let rules = rules();
    let opened = Command::CheckoutOpened { session_id: session("cs_1"), plan: plan("gold"), customer_id: customer("cus_1"), url: None };
    let pending = command(&rules, &new_org(), opened, at(0)).state;
    let d = apply(&rules, &pending, Input::Stripe(event(1, 60, completion(true, true))), at(60));
    assert_eq!(d.state.plan(), &plan("free"), "no plan is guessed");
    assert!(d.effects.contains(&crate::effect::Effect::RefetchSubscription(sub("sub_1"))));
}

#[test]
fn a_failure_processed_late_grants_paid_features_only_until_its_grace_deadline() {
    let rules = rules();
    let failed = || Input::Stripe(event(2, DAY, StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 9_900))));
    let just_before = apply(&rules, &on_team(&rules), failed(), at(8 * DAY - 1)).state;
    assert_eq!(just_before.plan(), &plan("team"));
    // Grace counts from Stripe's failure, so a backlog does not lengthen it.
    let at_deadline = apply(&rules, &on_team(&rules), failed(), at(8 * DAY)).state;
    assert_eq!((at_deadline.status(), at_deadline.plan()), (SubscriptionStatus::PastDue, &plan("free")));
}
