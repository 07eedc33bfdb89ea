//! Several subscriptions on one customer: the organization follows one, whatever the order of
//! their events, and the others are set aside (and reported when they are live and ours).

use super::*;
use crate::decide::Outcome;
use crate::input::{StripeFact, SubscriptionSnapshot};
use SubscriptionStatus::{Active, Canceled, PastDue};

fn of(id: &str, price_id: &str, status: SubscriptionStatus) -> SubscriptionSnapshot {
    SubscriptionSnapshot { id: sub(id), ..snapshot(price_id, status) }
}

fn changed(n: u32, created: i64, s: SubscriptionSnapshot) -> Input {
    Input::Stripe(event(n, created, StripeFact::SubscriptionChanged(s)))
}

/// Two live subscriptions of `cus_1`, both sold for `org_1`: `sub_1` on Team then past due,
/// `sub_2` on Enterprise then renewed.
fn two_live_streams() -> Vec<(&'static str, Input)> {
    let named = |s: SubscriptionSnapshot| SubscriptionSnapshot { org_id: Some(org("org_1")), ..s };
    vec![
        ("sub_1", changed(1, 10, named(of("sub_1", "price_team", Active)))),
        ("sub_2", changed(2, 15, named(of("sub_2", "price_enterprise", Active)))),
        ("sub_1", changed(3, 20, named(of("sub_1", "price_team", PastDue)))),
        ("sub_2", changed(4, 25, named(of("sub_2", "price_enterprise", Active)))),
    ]
}

#[test]
fn two_live_subscriptions_in_any_order_leave_the_organization_on_the_one_it_followed_first() {
    let rules = rules();
    let events = two_live_streams();
    for order in permutations(events.len()) {
        let first = events[order[0]].0;
        let mut state = new_org();
        for &i in &order {
            let (owner, input) = &events[i];
            let d = apply(&rules, &state, input.clone(), at(30));
            if *owner != first {
                assert_eq!((d.outcome, &d.state), (Outcome::SetAside, &state), "order {order:?}: {owner} is set aside");
                assert!(matches!(notices(&d)[..], [Notice::SecondSubscription { .. }]), "order {order:?}: {owner} is reported");
            }
            state = d.state;
        }
        assert_eq!(state.subscription_id(), Some(&sub(first)), "order {order:?}");
        let (plan_id, status) = if first == "sub_1" { ("team", PastDue) } else { ("enterprise", Active) };
        assert_eq!((state.subscribed_plan(), state.status()), (Some(&plan(plan_id)), status), "order {order:?}");
    }
}

#[test]
fn after_the_followed_subscription_ends_the_other_one_is_followed_on_its_next_event() {
    let rules = rules();
    let team = on_team(&rules);
    let ended =
        apply(&rules, &team, Input::Stripe(event(2, 40, StripeFact::SubscriptionDeleted(snapshot("price_team", Canceled)))), at(40)).state;
    let d = apply(&rules, &ended, changed(3, 50, of("sub_2", "price_enterprise", Active)), at(50));
    assert_eq!((d.outcome, d.state.subscription_id(), d.state.plan()), (Outcome::Applied, Some(&sub("sub_2")), &plan("enterprise")));
}

#[test]
fn a_subscription_of_another_product_is_set_aside_without_a_report_and_cancels_nothing() {
    let rules = rules();
    for state in [new_org(), on_team(&rules)] {
        let other = of("sub_9", "price_other_product", Active);
        let d = apply(&rules, &state, changed(5, 60, other.clone()), at(60));
        assert_eq!((d.outcome, &d.state, d.effects.len()), (Outcome::SetAside, &state, 0));
        let by_fetch = apply(&rules, &state, Input::SubscriptionFetched(other.clone()), at(60));
        assert_eq!((by_fetch.outcome, &by_fetch.state), (Outcome::SetAside, &state));
        let ended = SubscriptionSnapshot { status: Canceled, ..other };
        let d = apply(&rules, &state, Input::Stripe(event(6, 70, StripeFact::SubscriptionDeleted(ended.clone()))), at(70));
        assert_eq!((d.outcome, &d.state), (Outcome::SetAside, &state), "its end is not ours either");
        assert_eq!(apply(&rules, &state, Input::SubscriptionFetched(ended), at(70)).state, state);
    }
}

#[test]
fn a_new_subscription_sold_to_another_organization_is_set_aside_but_the_tracked_one_is_followed_whatever_it_names() {
    let rules = rules();
    let elsewhere = |s: SubscriptionSnapshot| SubscriptionSnapshot { org_id: Some(org("org_2")), ..s };
    let fresh = apply(&rules, &new_org(), changed(1, 10, elsewhere(snapshot("price_team", Active))), at(10));
    assert_eq!((fresh.outcome, &fresh.state), (Outcome::SetAside, &new_org()));
    let ended = SubscriptionSnapshot { status: Canceled, ..elsewhere(snapshot("price_team", Active)) };
    let end = apply(&rules, &new_org(), Input::Stripe(event(2, 20, StripeFact::SubscriptionDeleted(ended))), at(20));
    assert_eq!((end.outcome, &end.state), (Outcome::SetAside, &new_org()));
    let tracked = apply(&rules, &on_team(&rules), changed(3, 30, elsewhere(snapshot("price_enterprise", Active))), at(30));
    assert_eq!((tracked.outcome, tracked.state.plan()), (Outcome::Applied, &plan("enterprise")), "metadata never moves a subscription");
    let ours = SubscriptionSnapshot { org_id: Some(org("org_1")), ..snapshot("price_team", Active) };
    assert_eq!(apply(&rules, &new_org(), changed(4, 40, ours), at(40)).state.plan(), &plan("team"));
}
