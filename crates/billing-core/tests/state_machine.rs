//! Properties of the state machine over random input sequences, shuffles, duplicates and clocks.

mod gen;

use billing_core::proration::immediate_charge;
use billing_core::testing::*;
use billing_core::{decide, due_timers, entitlements_at, Actor, Command, Input, StripeFact, SubscriptionStatus};
use gen::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_input_sequence_panics_and_limits_always_match_the_plan(steps in prop::collection::vec(step_strategy(), 0..40)) {
        let rules = rules();
        let mut state = new_org();
        for (input, now) in steps {
            state = step(&rules, &state, input, now);
            let plan = rules.catalog.plan(state.plan());
            prop_assert!(plan.is_some(), "plan {} is not in the catalog", state.plan());
            if !state.status().grants_paid_plan() {
                prop_assert_eq!(state.plan(), rules.catalog.free_plan().id());
            }
            let ent = entitlements_at(&rules.catalog, &state, now);
            prop_assert_eq!(Some(ent.limits), rules.catalog.plan(&ent.plan).map(|p| p.limits()));
        }
    }

    #[test]
    fn grace_until_is_set_iff_past_due(steps in prop::collection::vec(step_strategy(), 0..40)) {
        let rules = rules();
        let mut state = new_org();
        for (input, now) in steps {
            state = step(&rules, &state, input, now);
            prop_assert_eq!(state.grace_until().is_some(), state.status() == SubscriptionStatus::PastDue);
        }
    }

    #[test]
    fn deleting_the_current_subscription_always_ends_on_free(steps in prop::collection::vec(step_strategy(), 0..30), after in prop::collection::vec(step_strategy(), 0..10)) {
        let rules = rules();
        let mut state = new_org();
        for (input, now) in steps {
            state = step(&rules, &state, input, now);
        }
        let Some(current) = state.subscription_id().cloned() else { return Ok(()) };
        let mut deleted = snapshot("price_team", SubscriptionStatus::Canceled);
        deleted.id = current.clone();
        state = step(&rules, &state, Input::Stripe(event(777, 50 * DAY, StripeFact::SubscriptionDeleted(deleted))), at(50 * DAY));
        prop_assert_eq!(state.plan(), rules.catalog.free_plan().id());
        prop_assert!(state.status().is_terminal());
        // Nothing about the same subscription can bring paid features back.
        for (input, now) in after {
            let about_current = matches!(&input, Input::Stripe(e) if matches!(&e.fact, StripeFact::SubscriptionChanged(s) if s.id == current));
            let next = step(&rules, &state, input, now);
            if about_current { prop_assert_eq!(&next, &state); }
            state = next;
        }
    }

    #[test]
    fn applying_every_stripe_event_twice_equals_applying_it_once(steps in prop::collection::vec((0u32..40, 0i64..100 * DAY, fact_strategy()), 0..30)) {
        let rules = rules();
        let (mut once, mut twice) = (new_org(), new_org());
        for (n, t, fact) in steps {
            let ev = event(n, t, fact);
            once = step(&rules, &once, Input::Stripe(ev.clone()), ev.created);
            twice = step(&rules, &twice, Input::Stripe(ev.clone()), ev.created);
            twice = step(&rules, &twice, Input::Stripe(ev.clone()), ev.created);
        }
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn redelivering_earlier_events_later_changes_nothing((events, truth) in lifecycle_strategy(), picks in prop::collection::vec(any::<prop::sample::Index>(), 1..6)) {
        let rules = rules();
        let mut state = new_org();
        for ev in &events {
            state = step_with_truth(&rules, &state, ev.clone(), &truth);
        }
        for pick in picks {
            let ev = pick.get(&events).clone();
            let again = step(&rules, &state, Input::Stripe(ev.clone()), ev.created);
            prop_assert_eq!(essence(&again), essence(&state));
        }
    }

    #[test]
    fn stale_snapshots_never_regress_state(first in snapshot_strategy(), older in snapshot_strategy(), gap in 1i64..DAY) {
        let rules = rules();
        let state = step(&rules, &new_org(), Input::Stripe(event(1, 10 * DAY, StripeFact::SubscriptionChanged(first))), at(10 * DAY));
        let late = decide(&rules, &state, Input::Stripe(event(2, 10 * DAY - gap, StripeFact::SubscriptionChanged(older))), at(11 * DAY));
        prop_assert_eq!(late.map(|d| d.state).ok(), Some(state));
    }

    #[test]
    fn any_permutation_of_a_complete_stream_ends_like_the_ordered_stream((events, truth) in lifecycle_strategy(), seed in any::<u64>()) {
        let rules = rules();
        let mut ordered = new_org();
        for ev in &events {
            ordered = step_with_truth(&rules, &ordered, ev.clone(), &truth);
        }
        let mut shuffled_events = events.clone();
        shuffle(&mut shuffled_events, seed);
        let mut shuffled = new_org();
        for ev in shuffled_events {
            shuffled = step_with_truth(&rules, &shuffled, ev, &truth);
        }
        prop_assert_eq!(essence(&shuffled), essence(&ordered));
        let truth_plan = if truth.status.grants_paid_plan() { rules.catalog.plan_for_price(&truth.price_id).map(|p| p.id().clone()) } else { None };
        prop_assert_eq!(Some(ordered.status()), Some(if truth.status == SubscriptionStatus::Canceled { SubscriptionStatus::Canceled } else { truth.status }));
        prop_assert_eq!(ordered.plan(), truth_plan.as_ref().unwrap_or(rules.catalog.free_plan().id()));
    }

    #[test]
    fn any_permutation_of_schedule_events_ends_with_the_ordered_streams_scheduled_change(events in schedule_stream_strategy(), seed in any::<u64>()) {
        let rules = rules();
        let team = step(&rules, &new_org(), Input::Stripe(event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)))), at(10));
        let apply_all = |events: &[billing_core::StripeEvent]| events.iter().fold(team.clone(), |s, ev| step(&rules, &s, Input::Stripe(ev.clone()), ev.created));
        let ordered = apply_all(&events);
        let mut shuffled = events.clone();
        shuffle(&mut shuffled, seed);
        prop_assert_eq!(apply_all(&shuffled).scheduled_change().cloned(), ordered.scheduled_change().cloned());
        let twice = apply_all(&[events.clone(), events].concat());
        prop_assert_eq!(twice.scheduled_change(), ordered.scheduled_change(), "redelivered");
    }

    #[test]
    fn a_downgrade_never_takes_effect_before_its_effective_time(decided_at in 11i64..30 * DAY, ticks in prop::collection::vec((0i64..40 * DAY, timer_strategy()), 0..20)) {
        let rules = rules();
        let team = step(&rules, &new_org(), Input::Stripe(event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)))), at(10));
        let change = Input::Command { actor: Actor::System, command: Command::change_plan(plan("solo")) };
        let mut state = decide(&rules, &team, change, at(decided_at)).map(|d| d.state).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let effective = at(30 * DAY);
        let mut ticks = ticks;
        ticks.sort_by_key(|(t, _)| *t);
        for (t, timer) in ticks {
            state = step(&rules, &state, Input::Timer(timer), at(t));
            if at(t) < effective {
                prop_assert_eq!(state.plan(), &plan("team"));
            }
        }
    }

    #[test]
    fn timers_fire_only_when_due(steps in prop::collection::vec(step_strategy(), 0..30), timer in timer_strategy(), t in 0i64..120 * DAY) {
        let rules = rules();
        let mut state = new_org();
        for (input, now) in steps {
            state = step(&rules, &state, input, now);
        }
        let due = due_timers(&rules, &state, at(t)).contains(&timer);
        prop_assert_eq!(decide(&rules, &state, Input::Timer(timer), at(t)).is_ok(), due);
    }

    #[test]
    fn at_most_one_checkout_starts_within_the_lock_window(times in prop::collection::vec(0i64..3_600, 1..20)) {
        let rules = rules();
        let mut state = new_org();
        let mut times = times;
        times.sort_unstable();
        let mut opened: Vec<i64> = Vec::new();
        for (i, t) in times.into_iter().enumerate() {
            let start = Input::Command { actor: Actor::System, command: Command::StartCheckout { plan: plan("team") } };
            if decide(&rules, &state, start, at(t)).is_ok() {
                let id = session(&format!("cs_{i}"));
                let open = Input::Command { actor: Actor::System, command: Command::CheckoutOpened { session_id: id, plan: plan("team"), customer_id: customer("cus_1"), url: Some("https://checkout.stripe.com/c/pay/cs_1".into()) } };
                state = step(&rules, &state, open, at(t));
                opened.push(t);
            }
        }
        for pair in opened.windows(2) {
            prop_assert!(pair[1] - pair[0] >= 300, "two checkouts {}s apart", pair[1] - pair[0]);
        }
    }

    #[test]
    fn proration_never_charges_for_a_downgrade_and_is_zero_at_period_end(from in 0i64..100_000, to in 0i64..100_000, offset in -DAY..40 * DAY) {
        let p = period(0);
        let charge = immediate_charge(usd(from), usd(to), p, at(offset)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if to <= from { prop_assert_eq!(charge, usd(0)); }
        prop_assert!(charge.minor_units() >= 0 && charge.minor_units() <= (to - from).max(0));
        if offset >= 30 * DAY { prop_assert_eq!(charge, usd(0)); }
        if offset <= 0 { prop_assert_eq!(charge, usd((to - from).max(0))); }
    }
}

/// Failures are kept in `proptest-regressions/` and replayed first on every run.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "proptest-regressions/state_machine.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// 256 cases unless `PROPTEST_CASES` asks for more (for long local runs).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256).max(256)
}

/// A deterministic Fisher-Yates shuffle driven by a seed, so failures replay exactly.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from(seed >> 33).unwrap_or(0) % (i + 1);
        items.swap(i, j);
    }
}
