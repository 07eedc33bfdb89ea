//! Facts that only inform: a trial ending soon, a renewal coming up, disputes. None changes the state.

use super::*;
use crate::decide::Outcome;
use crate::input::{DisputeFact, StripeFact, SubscriptionSnapshot, UpcomingInvoice};
use crate::state::SubscriptionStatus::{Active, PastDue, Trialing, Unpaid};

fn trialing(rules: &Rules) -> BillingState {
    stripe(rules, &new_org(), event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_team", Trialing))))
}

fn trial_will_end(subscription: &str, ends_at: i64) -> Input {
    Input::Stripe(event(2, 20, StripeFact::TrialWillEnd { subscription_id: sub(subscription), ends_at: at(ends_at) }))
}

/// The notices of a decision that must leave `state` as it was.
fn told(rules: &Rules, state: &BillingState, input: Input, now: i64) -> Vec<Notice> {
    let d = apply(rules, state, input, at(now));
    assert_eq!((&d.state, d.outcome), (state, Outcome::Applied), "an informing fact changes no state");
    notices(&d).into_iter().cloned().collect()
}

#[test]
fn a_trial_ending_soon_is_told_while_the_tracked_subscription_is_trialing() {
    let rules = rules();
    let state = trialing(&rules);
    assert_eq!(told(&rules, &state, trial_will_end("sub_1", 14 * DAY), 11 * DAY), [Notice::TrialEndsSoon { ends_at: at(14 * DAY) }]);
    assert_eq!(told(&rules, &state, trial_will_end("sub_2", 14 * DAY), 11 * DAY), [], "another subscription's trial");
    assert_eq!(told(&rules, &state, trial_will_end("sub_1", 14 * DAY), 14 * DAY), [], "a trial that already ended");
    assert_eq!(told(&rules, &on_team(&rules), trial_will_end("sub_1", 14 * DAY), 11 * DAY), [], "a subscription no longer trialing");
}

fn upcoming(subscription: Option<&str>, renews_at: i64) -> Input {
    let invoice = UpcomingInvoice {
        subscription_id: subscription.map(sub),
        customer_id: Some(customer("cus_1")),
        amount: usd(9_900),
        renews_at: at(renews_at),
    };
    Input::Stripe(event(3, 27 * DAY, StripeFact::InvoiceUpcoming(invoice)))
}

#[test]
fn an_upcoming_renewal_of_the_tracked_live_subscription_is_told_with_its_amount_and_date() {
    let rules = rules();
    let reminder = [Notice::RenewalUpcoming { amount: usd(9_900), renews_at: at(30 * DAY) }];
    assert_eq!(told(&rules, &on_team(&rules), upcoming(Some("sub_1"), 30 * DAY), 27 * DAY), reminder);
    assert_eq!(told(&rules, &trialing(&rules), upcoming(Some("sub_1"), 30 * DAY), 27 * DAY), reminder, "the first charge after a trial");
    assert_eq!(told(&rules, &on_team(&rules), upcoming(Some("sub_2"), 30 * DAY), 27 * DAY), [], "another subscription");
    assert_eq!(told(&rules, &on_team(&rules), upcoming(None, 30 * DAY), 27 * DAY), [], "no subscription named");
    assert_eq!(told(&rules, &on_team(&rules), upcoming(Some("sub_1"), 30 * DAY), 30 * DAY), [], "a renewal already past");
    assert_eq!(told(&rules, &new_org(), upcoming(Some("sub_1"), 30 * DAY), 27 * DAY), [], "no subscription tracked");
}

#[test]
fn no_renewal_is_told_for_a_subscription_that_will_not_renew() {
    let rules = rules();
    let canceling = SubscriptionSnapshot { cancel_at_period_end: true, ..snapshot("price_team", Active) };
    let ending = stripe(&rules, &on_team(&rules), event(2, 20, StripeFact::SubscriptionChanged(canceling)));
    assert_eq!(told(&rules, &ending, upcoming(Some("sub_1"), 30 * DAY), 27 * DAY), [], "set to cancel at period end");
    let unpaid = stripe(&rules, &on_team(&rules), event(2, 20, StripeFact::SubscriptionChanged(snapshot("price_team", Unpaid))));
    assert_eq!(told(&rules, &unpaid, upcoming(Some("sub_1"), 30 * DAY), 27 * DAY), [], "unpaid: Stripe bills nothing more");
    let past_due = stripe(&rules, &on_team(&rules), event(2, 20, StripeFact::SubscriptionChanged(snapshot("price_team", PastDue))));
    assert_eq!(told(&rules, &past_due, upcoming(Some("sub_1"), 30 * DAY), 27 * DAY).len(), 1, "past due still renews");
}

fn dispute(status: &str) -> DisputeFact {
    DisputeFact {
        id: crate::ids::StripeDisputeId::parse("dp_1").unwrap(),
        charge_id: crate::ids::StripeChargeId::parse("ch_1").unwrap(),
        amount: usd(2_900),
        reason: "fraudulent".into(),
        status: status.into(),
    }
}

#[test]
fn disputes_opened_and_closed_are_told_with_amount_reason_and_status() {
    let rules = rules();
    let dispute_id = crate::ids::StripeDisputeId::parse("dp_1").unwrap();
    let opened = Input::Stripe(event(4, 40, StripeFact::DisputeOpened(dispute("needs_response"))));
    let expected = Notice::DisputeOpened {
        dispute: dispute_id.clone(),
        amount: usd(2_900),
        reason: "fraudulent".into(),
        status: "needs_response".into(),
    };
    assert_eq!(told(&rules, &on_team(&rules), opened, 40), [expected]);
    let closed = Input::Stripe(event(5, 50, StripeFact::DisputeClosed(dispute("lost"))));
    let expected = Notice::DisputeClosed { dispute: dispute_id, amount: usd(2_900), reason: "fraudulent".into(), status: "lost".into() };
    assert_eq!(told(&rules, &new_org(), closed, 50), [expected], "whatever the subscription's state");
}
