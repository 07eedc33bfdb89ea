use super::*;
use crate::decide::Outcome;
use crate::input::StripeFact;

#[test]
fn subscription_snapshot_provisions_its_plan() {
    let rules = rules();
    let state = on_team(&rules);
    assert_eq!(state.status(), SubscriptionStatus::Active);
    assert_eq!(state.subscription_id(), Some(&sub("sub_1")));
    assert_eq!(state.customer_id(), Some(&customer("cus_1")));
}

#[test]
fn stale_snapshot_never_regresses_state() {
    let rules = rules();
    let state = on_team(&rules);
    let upgraded =
        stripe(&rules, &state, event(2, 20, StripeFact::SubscriptionChanged(snapshot("price_enterprise", SubscriptionStatus::Active))));
    let late = apply(
        &rules,
        &upgraded,
        Input::Stripe(event(3, 15, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)))),
        at(30),
    );
    assert_eq!(late.outcome, Outcome::Stale);
    assert_eq!(late.state, upgraded);
}

#[test]
fn same_second_snapshot_is_a_tie_that_asks_for_a_refetch() {
    let rules = rules();
    let state = on_team(&rules);
    let tie = apply(
        &rules,
        &state,
        Input::Stripe(event(2, 10, StripeFact::SubscriptionChanged(snapshot("price_enterprise", SubscriptionStatus::Active)))),
        at(11),
    );
    assert_eq!(tie.outcome, Outcome::Tie);
    assert_eq!(tie.state, state);
    assert_eq!(tie.effects, vec![Effect::RefetchSubscription(sub("sub_1"))]);
    let fetched = apply(&rules, &state, Input::SubscriptionFetched(snapshot("price_enterprise", SubscriptionStatus::Active)), at(12));
    assert_eq!(fetched.state.plan(), &plan("enterprise"));
}

#[test]
fn the_same_event_applied_twice_is_a_duplicate() {
    let rules = rules();
    let ev = event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)));
    let once = stripe(&rules, &new_org(), ev.clone());
    let twice = apply(&rules, &once, Input::Stripe(ev), at(50));
    assert_eq!(twice.outcome, Outcome::Duplicate);
    assert_eq!(twice.state, once);
}

#[test]
fn deletion_ends_on_free_with_canceled_status_and_keeps_ids() {
    let rules = rules();
    let state = on_team(&rules);
    let mut deleted = snapshot("price_team", SubscriptionStatus::Canceled);
    deleted.canceled_at = Some(at(40));
    let d = apply(&rules, &state, Input::Stripe(event(2, 40, StripeFact::SubscriptionDeleted(deleted))), at(40));
    assert_eq!(d.state.plan(), &plan("free"));
    assert_eq!(d.state.status(), SubscriptionStatus::Canceled);
    assert_eq!(d.state.canceled_at(), Some(at(40)));
    assert!(notices(&d).contains(&&Notice::Canceled { at: Some(at(40)) }));
    assert!(d.effects.iter().any(|e| matches!(e, Effect::Audit(a) if a.to_plan == plan("free"))));
}

#[test]
fn late_update_after_deletion_does_not_revive_the_subscription() {
    let rules = rules();
    let state = on_team(&rules);
    let deleted =
        stripe(&rules, &state, event(2, 40, StripeFact::SubscriptionDeleted(snapshot("price_team", SubscriptionStatus::Canceled))));
    // Even with a later timestamp (clock skew between Stripe services), canceled stays canceled.
    let late = apply(
        &rules,
        &deleted,
        Input::Stripe(event(3, 50, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)))),
        at(50),
    );
    assert_eq!(late.outcome, Outcome::Stale);
    assert_eq!(late.state.plan(), &plan("free"));
}

#[test]
fn deletion_delivered_before_creation_still_ends_canceled() {
    let rules = rules();
    let deleted =
        stripe(&rules, &new_org(), event(2, 40, StripeFact::SubscriptionDeleted(snapshot("price_team", SubscriptionStatus::Canceled))));
    let created = apply(
        &rules,
        &deleted,
        Input::Stripe(event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)))),
        at(41),
    );
    assert_eq!(created.state.status(), SubscriptionStatus::Canceled);
    assert_eq!(created.state.plan(), &plan("free"));
}

#[test]
fn deleting_an_old_subscription_does_not_cancel_the_new_one() {
    let rules = rules();
    let state = on_team(&rules);
    let mut old = snapshot("price_solo", SubscriptionStatus::Canceled);
    old.id = sub("sub_old");
    let d = apply(&rules, &state, Input::Stripe(event(5, 60, StripeFact::SubscriptionDeleted(old))), at(60));
    assert_eq!(d.state.plan(), &plan("team"));
    assert_eq!(d.state.status(), SubscriptionStatus::Active);
}

#[test]
fn the_tracked_subscription_moving_to_an_unknown_price_is_a_typed_error() {
    let rules = rules();
    let err = decide(
        &rules,
        &on_team(&rules),
        Input::Stripe(event(2, 20, StripeFact::SubscriptionChanged(snapshot("price_nope", SubscriptionStatus::Active)))),
        at(20),
    );
    assert_eq!(err, Err(crate::decide::TransitionError::UnknownPrice(price("price_nope"))));
}

#[test]
fn incomplete_subscription_grants_nothing_until_paid() {
    let rules = rules();
    let incomplete =
        stripe(&rules, &new_org(), event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Incomplete))));
    assert_eq!(incomplete.plan(), &plan("free"));
    assert_eq!(incomplete.subscribed_plan(), Some(&plan("team")));
    let active =
        stripe(&rules, &incomplete, event(2, 12, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active))));
    assert_eq!(active.plan(), &plan("team"));
}

fn failed(n: u32, created: i64, invoice_id: &str) -> Input {
    Input::Stripe(event(n, created, StripeFact::InvoicePaymentFailed(invoice_fact(invoice_id, 9_900))))
}

fn paid(n: u32, created: i64, invoice_id: &str) -> Input {
    Input::Stripe(event(n, created, StripeFact::InvoicePaid(invoice_fact(invoice_id, 9_900))))
}

#[test]
fn an_invoice_failure_in_the_snapshots_second_is_a_tie_and_an_older_one_changes_no_status() {
    let rules = rules();
    let state = on_team(&rules); // The snapshot was created at 10.
    let same_second = apply(&rules, &state, failed(2, 10, "in_1"), at(11));
    assert_eq!(same_second.outcome, Outcome::Tie);
    assert_eq!(same_second.state.status(), SubscriptionStatus::Active);
    assert!(same_second.effects.contains(&Effect::RefetchSubscription(sub("sub_1"))));
    let older = apply(&rules, &state, failed(3, 9, "in_1"), at(11));
    assert_eq!((older.outcome, older.state.status()), (Outcome::Applied, SubscriptionStatus::Active));
    assert!(!older.effects.iter().any(|e| matches!(e, Effect::RefetchSubscription(_))), "older news needs no re-read");
    let newer = apply(&rules, &state, failed(4, 11, "in_1"), at(11));
    assert_eq!(newer.state.status(), SubscriptionStatus::PastDue);
}

#[test]
fn the_newest_failed_attempt_is_remembered_whatever_the_delivery_order() {
    let rules = rules();
    let state = on_team(&rules);
    let later = apply(&rules, &state, failed(2, 100, "in_2"), at(100)).state;
    let earlier_after = apply(&rules, &later, failed(3, 50, "in_1"), at(101)).state;
    assert_eq!(earlier_after.last_payment_attempt().map(|a| a.at), Some(at(100)));
    let same_second = apply(&rules, &later, failed(4, 100, "in_3"), at(101)).state;
    assert_eq!(
        same_second.last_payment_attempt().and_then(|a| a.invoice_id.clone()),
        Some(invoice("in_3")),
        "a tie keeps the later delivery"
    );
}

#[test]
fn a_failure_no_newer_than_the_last_payment_does_not_make_the_subscription_past_due() {
    let rules = rules();
    let state = apply(&rules, &on_team(&rules), paid(2, 100, "in_1"), at(100)).state;
    for created in [99, 100] {
        let d = apply(&rules, &state, failed(3, created, "in_1"), at(101));
        assert_eq!(d.state.status(), SubscriptionStatus::Active, "a failure at {created} after a payment at 100");
    }
    assert_eq!(apply(&rules, &state, failed(4, 101, "in_2"), at(101)).state.status(), SubscriptionStatus::PastDue);
}

#[test]
fn a_payment_older_than_the_last_recorded_one_is_stale_and_a_newer_one_replaces_it() {
    let rules = rules();
    let state = apply(&rules, &on_team(&rules), paid(2, 100, "in_2"), at(100)).state;
    let older = apply(&rules, &state, paid(3, 50, "in_1"), at(101));
    assert_eq!((older.outcome, older.state.last_payment_success().map(|p| p.at)), (Outcome::Stale, Some(at(100))));
    let same_second = apply(&rules, &state, paid(4, 100, "in_3"), at(101));
    assert_eq!(same_second.state.last_payment_success().and_then(|p| p.invoice_id.clone()), Some(invoice("in_3")));
    let newer = apply(&rules, &state, paid(5, 200, "in_4"), at(201));
    assert_eq!(newer.state.last_payment_success().map(|p| p.at), Some(at(200)));
}
