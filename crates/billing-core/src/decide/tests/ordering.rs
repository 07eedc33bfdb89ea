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
fn unknown_price_is_a_typed_error() {
    let rules = rules();
    let err = decide(
        &rules,
        &new_org(),
        Input::Stripe(event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_nope", SubscriptionStatus::Active)))),
        at(10),
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
