//! Scenario tests of the state machine, one per edge case of the billing runbook.

mod audit;
mod commands;
mod following;
mod invoices;
mod operator;
mod ordering;
mod payments;
mod recovery;
mod reminders;
mod schedules;
mod subscriptions;
mod timers;

use chrono::{DateTime, Utc};

use super::{decide, Decision, Rules};
use crate::effect::{Effect, StripeCall};
use crate::input::{Actor, Command, Input, StripeEvent};
use crate::notice::Notice;
use crate::state::{BillingState, SubscriptionStatus};
use crate::testing::*;

fn apply(rules: &Rules, state: &BillingState, input: Input, now: DateTime<Utc>) -> Decision {
    match decide(rules, state, input, now) {
        Ok(d) => d,
        Err(e) => panic!("unexpected transition error: {e}"),
    }
}

fn stripe(rules: &Rules, state: &BillingState, ev: StripeEvent) -> BillingState {
    let now = ev.created;
    apply(rules, state, Input::Stripe(ev), now).state
}

fn command(rules: &Rules, state: &BillingState, command: Command, now: DateTime<Utc>) -> Decision {
    apply(rules, state, Input::Command { actor: Actor::User("u_1".into()), command }, now)
}

fn stripe_calls(d: &Decision) -> Vec<&StripeCall> {
    d.effects.iter().filter_map(|e| if let Effect::Stripe(c) = e { Some(&c.call) } else { None }).collect()
}

fn notices(d: &Decision) -> Vec<&Notice> {
    d.effects.iter().filter_map(|e| if let Effect::Notify(n) = e { Some(n) } else { None }).collect()
}

/// An organization with an active Team subscription `sub_1`, period day 0 to day 30.
fn on_team(rules: &Rules) -> BillingState {
    let ev = event(1, 10, crate::input::StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)));
    let state = stripe(rules, &new_org(), ev);
    assert_eq!(state.plan(), &plan("team"));
    state
}

/// Every order of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for i in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(i, n - 1);
            out.push(p);
        }
    }
    out
}
