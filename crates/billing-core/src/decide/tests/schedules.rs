//! Plan changes scheduled in Stripe (our API, the Customer Portal, the Dashboard) through
//! subscription schedules, in Stripe's order of events whatever the arrival order.

use super::*;
use crate::decide::Outcome;
use crate::input::{SchedulePhase, ScheduleSnapshot, ScheduleStatus, StripeFact, SubscriptionSnapshot};
use crate::state::ScheduledChange;
use ScheduleStatus::{Active, Canceled, Completed, Released};

const END: i64 = 30 * DAY;

/// Schedule `sub_sched_{n}` of `sub_1` whose next phase, if any, sells `price` from `starts`.
fn schedule(n: u32, status: ScheduleStatus, next: Option<(&str, i64)>) -> ScheduleSnapshot {
    ScheduleSnapshot {
        id: schedule_id(&format!("sub_sched_{n}")),
        subscription_id: Some(sub("sub_1")),
        status,
        next_phase: next.map(|(p, starts)| SchedulePhase { price_id: price(p), starts_at: at(starts) }),
    }
}

fn scheduled(n: u32, created: i64, s: ScheduleSnapshot) -> Input {
    Input::Stripe(event(n, created, StripeFact::ScheduleChanged(s)))
}

/// The portal's downgrade of `sub_1` to Solo at period end, as `sub_sched_1` says it.
fn to_solo() -> ScheduleSnapshot {
    schedule(1, Active, Some(("price_solo", END)))
}

fn solo_at_period_end() -> Option<ScheduledChange> {
    Some(ScheduledChange { plan: plan("solo"), effective_at: at(END) })
}

fn snapshot_at(n: u32, created: i64, schedule: Option<&str>) -> Input {
    let s = SubscriptionSnapshot { schedule_id: schedule.map(schedule_id), ..snapshot("price_team", SubscriptionStatus::Active) };
    Input::Stripe(event(n, created, StripeFact::SubscriptionChanged(s)))
}

/// Applies `inputs` in order, each at its own Stripe time plus one second.
fn run(rules: &Rules, state: &BillingState, inputs: &[Input]) -> BillingState {
    inputs.iter().fold(state.clone(), |s, input| {
        let now = match input {
            Input::Stripe(e) => e.created + chrono::Duration::seconds(1),
            _ => at(END),
        };
        apply(rules, &s, input.clone(), now).state
    })
}

#[test]
fn a_downgrade_scheduled_in_the_portal_shows_as_the_scheduled_change_and_its_banner() {
    let rules = rules();
    let d = apply(&rules, &on_team(&rules), scheduled(2, 20, to_solo()), at(21));
    assert_eq!((d.outcome, d.state.scheduled_change().cloned()), (Outcome::Applied, solo_at_period_end()));
    assert_eq!(d.state.plan(), &plan("team"), "the paid plan stays until the phase starts");
    assert!(crate::notice::banners(&d.state, at(21)).contains(&Notice::PlanChangesOn { plan: plan("solo"), date: at(END) }));
    let again = apply(&rules, &d.state, scheduled(2, 20, to_solo()), at(22));
    assert_eq!((again.outcome, &again.state), (Outcome::Duplicate, &d.state));
}

#[test]
fn a_next_phase_that_keeps_the_plan_or_sells_a_price_outside_the_catalog_schedules_nothing() {
    let rules = rules();
    let portal = run(&rules, &on_team(&rules), &[scheduled(2, 20, to_solo())]);
    for (n, price_id) in [(3, "price_team"), (4, "price_other_product")] {
        let d = apply(&rules, &portal, scheduled(n, 30, schedule(1, Active, Some((price_id, END)))), at(31));
        assert_eq!(d.state.scheduled_change(), None, "a next phase on {price_id}");
    }
}

#[test]
fn a_schedule_without_a_next_phase_leaves_the_scheduled_change_as_it_is() {
    let rules = rules();
    let portal = run(&rules, &on_team(&rules), &[scheduled(2, 20, to_solo())]);
    let d = apply(&rules, &portal, scheduled(3, 30, schedule(1, Active, None)), at(31));
    assert_eq!(d.state.scheduled_change().cloned(), solo_at_period_end());
    assert_eq!(d.state.schedule_watermark().map(|w| w.created), Some(at(30)), "it is still the newest news");
}

#[test]
fn a_new_schedule_means_the_one_that_scheduled_the_change_is_gone_even_before_its_end_arrives() {
    let rules = rules();
    let portal = run(&rules, &on_team(&rules), &[scheduled(2, 20, to_solo())]);
    let replaced = apply(&rules, &portal, scheduled(3, 40, schedule(2, Active, None)), at(41)).state;
    assert_eq!(replaced.scheduled_change(), None);
    let late_end = apply(&rules, &replaced, scheduled(4, 30, schedule(1, Released, None)), at(42));
    assert_eq!((late_end.outcome, late_end.state.scheduled_change()), (Outcome::Stale, None));
}

#[test]
fn a_released_canceled_or_completed_schedule_clears_the_scheduled_change() {
    let rules = rules();
    let portal = run(&rules, &on_team(&rules), &[scheduled(2, 20, to_solo())]);
    for status in [Released, Canceled, Completed] {
        let d = apply(&rules, &portal, scheduled(3, 30, schedule(1, status, Some(("price_solo", END)))), at(31));
        assert_eq!(d.state.scheduled_change(), None, "{status:?}");
        assert!(d.state.schedule_watermark().is_some_and(|w| w.ended), "{status:?}");
    }
}

#[test]
fn an_older_schedule_event_never_undoes_a_newer_one_in_either_order() {
    let rules = rules();
    let (made, released) = (scheduled(2, 20, to_solo()), scheduled(3, 30, schedule(1, Released, None)));
    let in_order = run(&rules, &on_team(&rules), &[made.clone(), released.clone()]);
    let reversed = run(&rules, &on_team(&rules), &[released, made.clone()]);
    assert_eq!((in_order.scheduled_change(), reversed.scheduled_change()), (None, None));
    let late = apply(&rules, &in_order, made, at(40));
    assert_eq!((late.outcome, &late.state), (Outcome::Stale, &in_order));
}

#[test]
fn an_ended_schedule_is_never_revived_whatever_the_time_of_later_news_about_it() {
    let rules = rules();
    let released = run(&rules, &on_team(&rules), &[scheduled(2, 30, schedule(1, Released, None))]);
    let skewed = apply(&rules, &released, scheduled(3, 40, to_solo()), at(41));
    assert_eq!((skewed.outcome, skewed.state.scheduled_change()), (Outcome::Stale, None));
    let another = apply(&rules, &released, scheduled(4, 40, schedule(2, Active, Some(("price_solo", END)))), at(41));
    assert_eq!(another.state.scheduled_change().cloned(), solo_at_period_end(), "a new schedule is news");
}

#[test]
fn the_end_of_an_older_schedule_in_the_same_second_leaves_the_current_one_scheduled() {
    let rules = rules();
    let current = run(&rules, &on_team(&rules), &[scheduled(2, 30, schedule(2, Active, Some(("price_solo", END))))]);
    let old_end = apply(&rules, &current, scheduled(3, 30, schedule(1, Released, None)), at(31));
    assert_eq!((old_end.outcome, old_end.state.scheduled_change().cloned()), (Outcome::Applied, solo_at_period_end()));
    let own_end = apply(&rules, &current, scheduled(4, 30, schedule(2, Released, None)), at(31));
    assert_eq!(own_end.state.scheduled_change(), None, "its own end, in the same second, clears it");
    let later_end = apply(&rules, &current, scheduled(5, 31, schedule(1, Released, None)), at(32));
    assert_eq!(later_end.state.scheduled_change(), None, "a later end clears it");
}

#[test]
fn a_schedule_of_another_subscription_or_of_no_live_one_changes_nothing() {
    let rules = rules();
    let team = on_team(&rules);
    let other = ScheduleSnapshot { subscription_id: Some(sub("sub_2")), ..to_solo() };
    let unattached = ScheduleSnapshot { subscription_id: None, ..to_solo() };
    for s in [other, unattached] {
        let d = apply(&rules, &team, scheduled(2, 20, s), at(21));
        assert_eq!((d.outcome, &d.state), (Outcome::Applied, &team));
    }
    let ended = run(
        &rules,
        &team,
        &[Input::Stripe(event(3, 15, StripeFact::SubscriptionDeleted(snapshot("price_team", SubscriptionStatus::Canceled))))],
    );
    assert_eq!(apply(&rules, &ended, scheduled(4, 20, to_solo()), at(21)).state, ended);
}

#[test]
fn our_own_downgrade_survives_the_events_stripe_sends_about_its_schedule_in_any_order() {
    let rules = rules();
    let ours = command(&rules, &on_team(&rules), Command::change_plan(plan("solo")), at(15 * DAY)).state;
    assert_eq!(ours.scheduled_change().cloned(), solo_at_period_end());
    // Stripe's events about it: the schedule made from the subscription (one phase), its phases
    // set, the subscription now controlled by it, and an older portal schedule's end.
    let after = 15 * DAY + 1;
    let events = [
        scheduled(2, after, schedule(7, Active, None)),
        scheduled(3, after, schedule(7, Active, Some(("price_solo", END)))),
        snapshot_at(4, after, Some("sub_sched_7")),
        scheduled(5, 15 * DAY - 60, schedule(6, Released, None)),
    ];
    for order in permutations(events.len()) {
        let inputs: Vec<Input> = order.iter().map(|&i| events[i].clone()).collect();
        let end = run(&rules, &ours, &inputs);
        assert_eq!(end.scheduled_change().cloned(), solo_at_period_end(), "order {order:?}");
    }
}

#[test]
fn cancelling_our_scheduled_change_is_not_undone_by_the_schedule_events_from_before() {
    let rules = rules();
    let ours = command(&rules, &on_team(&rules), Command::change_plan(plan("solo")), at(15 * DAY)).state;
    let phased = run(&rules, &ours, &[scheduled(2, 15 * DAY + 1, schedule(7, Active, Some(("price_solo", END))))]);
    let kept = command(&rules, &phased, Command::CancelScheduledChange, at(16 * DAY)).state;
    assert_eq!(kept.scheduled_change(), None);
    let late = apply(&rules, &kept, scheduled(3, 15 * DAY + 2, schedule(7, Active, Some(("price_solo", END)))), at(16 * DAY + 1));
    assert_eq!((late.outcome, late.state.scheduled_change()), (Outcome::Stale, None));
    let released = apply(&rules, &kept, scheduled(4, 16 * DAY + 1, schedule(7, Released, None)), at(16 * DAY + 2));
    assert_eq!(released.state.scheduled_change(), None);
}

#[test]
fn a_newer_snapshot_without_a_schedule_clears_the_scheduled_change_and_an_older_or_same_second_one_does_not() {
    let rules = rules();
    let portal = run(&rules, &on_team(&rules), &[scheduled(2, 20, to_solo())]);
    for (n, created) in [(3, 19), (4, 20)] {
        let older = apply(&rules, &portal, snapshot_at(n, created, None), at(created + 1));
        assert_eq!(older.state.scheduled_change().cloned(), solo_at_period_end(), "a snapshot from {created}");
    }
    let attached = apply(&rules, &portal, snapshot_at(5, 21, Some("sub_sched_1")), at(22));
    assert_eq!(attached.state.scheduled_change().cloned(), solo_at_period_end());
    let released = apply(&rules, &portal, snapshot_at(6, 21, None), at(22)).state;
    assert_eq!(released.scheduled_change(), None);
    let late = apply(&rules, &released, scheduled(7, 20, to_solo()), at(23));
    assert_eq!((late.outcome, late.state.scheduled_change()), (Outcome::Stale, None), "the release is the newest news");
}

#[test]
fn the_timer_applying_the_change_makes_earlier_schedule_news_stale() {
    let rules = rules();
    let portal = run(&rules, &on_team(&rules), &[scheduled(2, 20, to_solo())]);
    let switched = apply(&rules, &portal, Input::Timer(crate::input::Timer::PeriodEnd), at(END + 5)).state;
    assert_eq!((switched.plan(), switched.scheduled_change()), (&plan("solo"), None));
    assert_eq!(switched.schedule_watermark().map(|w| (w.created, w.schedule_id.clone())), Some((at(END), None)));
    let late = apply(&rules, &switched, scheduled(3, 25, to_solo()), at(END + 6));
    assert_eq!((late.outcome, late.state.scheduled_change()), (Outcome::Stale, None));
}

#[test]
fn our_own_change_never_moves_the_schedule_watermark_back() {
    let rules = rules();
    let portal = run(&rules, &on_team(&rules), &[scheduled(2, 16 * DAY, to_solo())]);
    let released = command(&rules, &portal, Command::CancelScheduledChange, at(15 * DAY)).state;
    assert_eq!(released.schedule_watermark().map(|w| w.created), Some(at(16 * DAY)), "a clock behind Stripe's moves nothing back");
    let team = on_team(&rules);
    let unchanged = command(&rules, &team, Command::CancelAtPeriodEnd, at(15 * DAY)).state;
    assert_eq!(unchanged.schedule_watermark(), team.schedule_watermark(), "a command that schedules nothing is no schedule news");
}

#[test]
fn our_own_change_in_the_same_instant_as_a_schedules_end_keeps_that_end_as_the_newest_news() {
    let rules = rules();
    let released = run(&rules, &on_team(&rules), &[scheduled(2, 15 * DAY, schedule(1, Released, None))]);
    let ours = command(&rules, &released, Command::change_plan(plan("solo")), at(15 * DAY)).state;
    assert_eq!(ours.scheduled_change().cloned(), solo_at_period_end());
    assert!(ours.schedule_watermark().is_some_and(|w| w.ended && w.schedule_id == Some(schedule_id("sub_sched_1"))));
    let revived = apply(&rules, &ours, scheduled(3, 15 * DAY + 1, schedule(1, Active, Some(("price_enterprise", END)))), at(15 * DAY + 2));
    assert_eq!((revived.outcome, revived.state.scheduled_change().cloned()), (Outcome::Stale, solo_at_period_end()));
}
