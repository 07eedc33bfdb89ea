//! Which subscription an organization tracks, and what its snapshots and deletions change.

use super::*;
use crate::decide::Outcome;
use crate::input::{StripeFact, SubscriptionSnapshot};
use SubscriptionStatus::{Active, Canceled, Incomplete, IncompleteExpired, PastDue, Paused, Trialing, Unpaid};

/// A snapshot of another subscription, `sub_2`, of the same customer.
fn second(price_id: &str, status: SubscriptionStatus) -> SubscriptionSnapshot {
    SubscriptionSnapshot { id: sub("sub_2"), ..snapshot(price_id, status) }
}

fn changed(n: u32, created: i64, s: SubscriptionSnapshot) -> Input {
    Input::Stripe(event(n, created, StripeFact::SubscriptionChanged(s)))
}

fn deleted(n: u32, created: i64, s: SubscriptionSnapshot) -> Input {
    Input::Stripe(event(n, created, StripeFact::SubscriptionDeleted(s)))
}

#[test]
fn a_second_live_subscription_is_reported_and_does_not_replace_the_first() {
    let rules = rules();
    let paid = on_team(&rules);
    for status in [Incomplete, Trialing, Active, PastDue, Unpaid, Paused] {
        let by_event = apply(&rules, &paid, changed(2, 20, second("price_enterprise", status)), at(20));
        assert_eq!((&by_event.state, by_event.outcome), (&paid, Outcome::SetAside), "a {} second subscription by event", status.as_str());
        let reported = Notice::SecondSubscription { subscription: sub("sub_2"), status };
        assert_eq!(notices(&by_event), [&reported], "a {} second subscription is reported", status.as_str());
        let by_fetch = apply(&rules, &paid, Input::SubscriptionFetched(second("price_enterprise", status)), at(20));
        assert_eq!((&by_fetch.state, by_fetch.outcome), (&paid, Outcome::SetAside), "a {} second subscription by re-read", status.as_str());
    }
}

#[test]
fn the_tracked_subscription_going_unpaid_suspends_its_paid_features() {
    let rules = rules();
    let d = apply(&rules, &on_team(&rules), changed(2, 20, snapshot("price_team", Unpaid)), at(20));
    assert_eq!((d.state.status(), d.state.plan()), (Unpaid, &plan("free")));
    assert_eq!(d.state.subscribed_plan(), Some(&plan("team")));
}

#[test]
fn news_about_a_subscription_that_ended_earlier_is_stale_whatever_its_time() {
    let rules = rules();
    let mut old = snapshot("price_solo", Canceled);
    old.id = sub("sub_old");
    let state = apply(&rules, &on_team(&rules), deleted(2, 60, old.clone()), at(60)).state;
    assert_eq!(state.ended_subscriptions(), [sub("sub_old")]);
    let revived = SubscriptionSnapshot { status: Active, price_id: price("price_enterprise"), ..old };
    let late = apply(&rules, &state, changed(3, 70, revived), at(70));
    assert_eq!((late.outcome, &late.state), (Outcome::Stale, &state));
}

#[test]
fn a_new_subscription_after_the_old_one_ended_is_provisioned() {
    let rules = rules();
    let ended = apply(&rules, &on_team(&rules), deleted(2, 40, snapshot("price_team", Canceled)), at(40)).state;
    let again = apply(&rules, &ended, changed(3, 50, second("price_team", Active)), at(50));
    assert_eq!((again.outcome, again.state.status(), again.state.plan()), (Outcome::Applied, Active, &plan("team")));
    assert_eq!(again.state.subscription_id(), Some(&sub("sub_2")));
}

#[test]
fn a_reread_saying_the_tracked_subscription_ended_ends_it_and_one_about_another_changes_nothing() {
    let rules = rules();
    let state = on_team(&rules);
    let mut ours = snapshot("price_team", Canceled);
    ours.canceled_at = Some(at(30));
    let ended = apply(&rules, &state, Input::SubscriptionFetched(ours), at(35)).state;
    assert_eq!((ended.status(), ended.plan(), ended.canceled_at()), (Canceled, &plan("free"), Some(at(30))));
    let other = apply(&rules, &state, Input::SubscriptionFetched(second("price_solo", Canceled)), at(35));
    assert_eq!(other.state, state);
}

#[test]
fn a_snapshot_on_the_same_plan_keeps_the_scheduled_downgrade_and_a_plan_move_drops_it() {
    let rules = rules();
    let scheduled = command(&rules, &on_team(&rules), Command::change_plan(plan("solo")), at(15 * DAY)).state;
    let attached = |price_id: &str| SubscriptionSnapshot { schedule_id: Some(schedule_id("sub_sched_1")), ..snapshot(price_id, Active) };
    let renewed = apply(&rules, &scheduled, changed(2, 16 * DAY, attached("price_team")), at(16 * DAY)).state;
    assert_eq!(renewed.scheduled_change(), scheduled.scheduled_change());
    let moved = apply(&rules, &scheduled, changed(3, 16 * DAY, attached("price_enterprise")), at(16 * DAY)).state;
    assert_eq!(moved.scheduled_change(), None, "a plan changed elsewhere (portal) replaces the schedule");
}

#[test]
fn a_past_due_snapshot_starts_grace_once_and_a_repeated_one_keeps_the_first_deadline() {
    let rules = rules();
    let first = apply(&rules, &on_team(&rules), changed(2, 100, snapshot("price_team", PastDue)), at(101));
    assert_eq!((first.state.status(), first.state.grace_until()), (PastDue, Some(at(100 + 7 * DAY))));
    assert_eq!(notices(&first), [&Notice::PaymentFailed { grace_until: at(100 + 7 * DAY), amount: None }]);
    let repeated = apply(&rules, &first.state, changed(3, 200, snapshot("price_team", PastDue)), at(201));
    assert_eq!(repeated.state.grace_until(), Some(at(100 + 7 * DAY)));
    assert!(notices(&repeated).is_empty(), "the customer was already told");
}

#[test]
fn a_past_due_second_subscription_leaves_the_grace_of_the_first_as_it_was() {
    let rules = rules();
    let first = apply(&rules, &on_team(&rules), changed(2, 100, snapshot("price_team", PastDue)), at(101)).state;
    let other = apply(&rules, &first, changed(3, 300, second("price_team", PastDue)), at(301));
    assert_eq!(
        (other.outcome, other.state.subscription_id(), other.state.grace_until()),
        (Outcome::SetAside, Some(&sub("sub_1")), Some(at(100 + 7 * DAY)))
    );
}

#[test]
fn a_paid_subscription_replaces_a_tracked_one_whose_first_payment_never_went_through() {
    let rules = rules();
    let incomplete = apply(&rules, &new_org(), changed(1, 10, snapshot("price_team", Incomplete)), at(10)).state;
    let unpaid_again = apply(&rules, &incomplete, changed(2, 20, second("price_team", Incomplete)), at(20));
    assert_eq!((unpaid_again.outcome, unpaid_again.state.subscription_id()), (Outcome::SetAside, Some(&sub("sub_1"))));
    let paid = apply(&rules, &incomplete, changed(3, 30, second("price_team", Active)), at(30));
    assert_eq!((paid.outcome, paid.state.subscription_id(), paid.state.plan()), (Outcome::Applied, Some(&sub("sub_2")), &plan("team")));
    assert!(notices(&paid).iter().all(|n| !matches!(n, Notice::SecondSubscription { .. })), "a retried checkout is no second subscription");
}

#[test]
fn an_incomplete_snapshot_keeps_the_pending_checkout_and_an_active_one_clears_it() {
    let rules = rules();
    let opened = Command::CheckoutOpened { session_id: session("cs_1"), plan: plan("team"), customer_id: customer("cus_1"), url: None };
    let pending = command(&rules, &new_org(), opened, at(0)).state;
    let incomplete = apply(&rules, &pending, changed(1, 10, snapshot("price_team", Incomplete)), at(10)).state;
    assert!(incomplete.pending_checkout().is_some(), "the customer may still finish paying");
    let active = apply(&rules, &incomplete, changed(2, 20, snapshot("price_team", Active)), at(20)).state;
    assert_eq!(active.pending_checkout(), None);
}

#[test]
fn an_incomplete_subscription_that_expires_ends_as_incomplete_expired() {
    let rules = rules();
    let incomplete = apply(&rules, &new_org(), changed(1, 10, snapshot("price_team", Incomplete)), at(10)).state;
    let expired = apply(&rules, &incomplete, changed(2, 20, snapshot("price_team", IncompleteExpired)), at(20)).state;
    assert_eq!((expired.status(), expired.plan()), (IncompleteExpired, &plan("free")));
}

#[test]
fn the_tracked_subscription_deleted_twice_is_a_duplicate_the_second_time() {
    let rules = rules();
    let ended = apply(&rules, &on_team(&rules), deleted(2, 40, snapshot("price_team", Canceled)), at(40)).state;
    let again = apply(&rules, &ended, deleted(3, 41, snapshot("price_team", Canceled)), at(41));
    assert_eq!((again.outcome, &again.state), (Outcome::Duplicate, &ended));
}

#[test]
fn a_deletion_moves_the_watermark_forward_but_never_back() {
    let rules = rules();
    let state = on_team(&rules);
    let ended = apply(&rules, &state, deleted(2, 40, snapshot("price_team", Canceled)), at(40)).state;
    assert_eq!(ended.watermark().map(|w| (w.created, w.event_id.clone())), Some((at(40), Some(event_id("evt_2")))));
    let newer = apply(&rules, &state, changed(3, 50, snapshot("price_team", Active)), at(50)).state;
    let late = apply(&rules, &newer, deleted(4, 45, snapshot("price_team", Canceled)), at(51)).state;
    assert_eq!(late.status(), Canceled, "Stripe never revives a deleted subscription");
    assert_eq!(late.watermark().map(|w| w.created), Some(at(50)));
}

#[test]
fn an_old_subscription_ending_after_ours_ended_is_only_remembered() {
    let rules = rules();
    let ended = apply(&rules, &on_team(&rules), deleted(2, 40, snapshot("price_team", Canceled)), at(40)).state;
    let d = apply(&rules, &ended, deleted(3, 30, second("price_solo", Canceled)), at(41));
    assert_eq!((d.state.subscription_id(), d.state.status()), (Some(&sub("sub_1")), Canceled));
    assert_eq!(d.state.ended_subscriptions(), [sub("sub_1"), sub("sub_2")]);
}
