use super::*;
use crate::decide::{due_timers, next_timer_at, TransitionError};
use crate::input::{StripeFact, SubscriptionSnapshot, Timer};

#[test]
fn scheduled_downgrade_applies_at_period_end_and_not_before() {
    let rules = rules();
    let scheduled = command(&rules, &on_team(&rules), Command::change_plan(plan("solo")), at(15 * DAY)).state;
    assert_eq!(next_timer_at(&rules, &scheduled), Some(at(30 * DAY)));
    assert!(due_timers(&rules, &scheduled, at(30 * DAY - 1)).is_empty());
    let early = decide(&rules, &scheduled, Input::Timer(Timer::PeriodEnd), at(30 * DAY - 1));
    assert_eq!(early, Err(TransitionError::TimerNotDue(Timer::PeriodEnd)));
    let d = apply(&rules, &scheduled, Input::Timer(Timer::PeriodEnd), at(30 * DAY));
    assert_eq!(d.state.plan(), &plan("solo"));
    assert_eq!(d.state.scheduled_change(), None);
}

#[test]
fn snapshot_from_before_the_period_end_cannot_undo_an_applied_downgrade() {
    let rules = rules();
    let scheduled = command(&rules, &on_team(&rules), Command::change_plan(plan("solo")), at(15 * DAY)).state;
    let ended = apply(&rules, &scheduled, Input::Timer(Timer::PeriodEnd), at(30 * DAY)).state;
    let late =
        stripe(&rules, &ended, event(7, 20 * DAY, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active))));
    assert_eq!(late.plan(), &plan("solo"));
}

#[test]
fn period_end_of_a_canceling_subscription_ends_it_if_stripe_has_not() {
    let rules = rules();
    let canceling = command(&rules, &on_team(&rules), Command::CancelAtPeriodEnd, at(DAY)).state;
    let d = apply(&rules, &canceling, Input::Timer(Timer::PeriodEnd), at(30 * DAY + 5));
    assert_eq!(d.state.plan(), &plan("free"));
    assert_eq!(d.state.status(), SubscriptionStatus::Canceled);
    assert_eq!(d.state.canceled_at(), Some(at(30 * DAY)));
}

#[test]
fn grace_expiry_suspends_paid_features_until_payment() {
    let rules = rules();
    let past_due = stripe(&rules, &on_team(&rules), event(2, DAY, StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 9_900))));
    let d = apply(&rules, &past_due, Input::Timer(Timer::GraceExpired), at(8 * DAY));
    assert_eq!(d.state.plan(), &plan("free"));
    assert_eq!(d.state.status(), SubscriptionStatus::PastDue);
    assert!(notices(&d).contains(&&Notice::FeaturesSuspended { status: SubscriptionStatus::PastDue }));
    let paid = stripe(&rules, &d.state, event(3, 9 * DAY, StripeFact::InvoicePaid(invoice_fact("in_1", 9_900))));
    assert_eq!(paid.plan(), &plan("team"));
}

#[test]
fn pending_checkout_is_forgotten_after_a_day() {
    let rules = rules();
    let pending = command(
        &rules,
        &new_org(),
        Command::CheckoutOpened {
            session_id: session("cs_1"),
            plan: plan("team"),
            customer_id: customer("cus_1"),
            url: Some("https://checkout.stripe.com/c/pay/cs_1".into()),
        },
        at(0),
    )
    .state;
    assert_eq!(due_timers(&rules, &pending, at(DAY)), vec![Timer::PendingCheckoutExpired]);
    let d = apply(&rules, &pending, Input::Timer(Timer::PendingCheckoutExpired), at(DAY));
    assert!(d.state.pending_checkout().is_none());
}

#[test]
fn entitlements_show_what_applies_after_the_scheduled_change() {
    let rules = rules();
    let scheduled = command(&rules, &on_team(&rules), Command::change_plan(plan("solo")), at(15 * DAY)).state;
    let now = crate::entitlements::entitlements_at(&rules.catalog, &scheduled, at(15 * DAY));
    assert_eq!(now.plan, plan("team"));
    let next = now.next_change.unwrap();
    assert_eq!((next.at, next.plan), (at(30 * DAY), plan("solo")));
    let later = crate::entitlements::entitlements_at(&rules.catalog, &scheduled, at(31 * DAY));
    assert_eq!(later.plan, plan("solo"));
}

#[test]
fn once_grace_has_expired_its_timer_is_no_longer_due() {
    let rules = rules();
    let past_due = stripe(&rules, &on_team(&rules), event(2, DAY, StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 9_900))));
    assert_eq!(next_timer_at(&rules, &past_due), Some(at(8 * DAY)));
    assert!(due_timers(&rules, &past_due, at(8 * DAY - 1)).is_empty());
    let suspended = apply(&rules, &past_due, Input::Timer(Timer::GraceExpired), at(8 * DAY)).state;
    // The state keeps its deadline, but a suspended plan has nothing left to expire.
    assert_eq!(suspended.grace_until(), Some(at(8 * DAY)));
    assert_eq!(next_timer_at(&rules, &suspended), None);
    assert!(due_timers(&rules, &suspended, at(9 * DAY)).is_empty());
}

#[test]
fn a_pending_checkout_is_due_exactly_a_day_after_it_opened() {
    let rules = rules();
    let opened = Command::CheckoutOpened { session_id: session("cs_1"), plan: plan("team"), customer_id: customer("cus_1"), url: None };
    let pending = command(&rules, &new_org(), opened, at(100)).state;
    assert_eq!(next_timer_at(&rules, &pending), Some(at(100 + DAY)));
    assert!(due_timers(&rules, &pending, at(100 + DAY - 1)).is_empty());
}

#[test]
fn a_period_end_in_the_same_second_as_the_newest_snapshot_keeps_that_snapshot_as_the_watermark() {
    let rules = rules();
    let scheduled = command(&rules, &on_team(&rules), Command::change_plan(plan("solo")), at(15 * DAY)).state;
    let attached =
        SubscriptionSnapshot { schedule_id: Some(schedule_id("sub_sched_1")), ..snapshot("price_team", SubscriptionStatus::Active) };
    let renewal = event(5, 30 * DAY, StripeFact::SubscriptionChanged(attached));
    let seen = stripe(&rules, &scheduled, renewal.clone());
    let ended = apply(&rules, &seen, Input::Timer(Timer::PeriodEnd), at(30 * DAY)).state;
    assert_eq!(ended.plan(), &plan("solo"));
    // The snapshot's id stays known, so its redelivery is a duplicate rather than a tie to re-read.
    let again = apply(&rules, &ended, Input::Stripe(renewal), at(30 * DAY + 1));
    assert_eq!((again.outcome, again.effects.len()), (crate::decide::Outcome::Duplicate, 0));
}
