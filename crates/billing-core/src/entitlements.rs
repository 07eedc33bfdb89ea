//! What an organization may use at a given time, and what changes next.

use chrono::{DateTime, Utc};

use crate::catalog::{Catalog, Limits};
use crate::ids::PlanId;
use crate::state::{BillingState, SubscriptionStatus};

/// Why the plan changes at [`Entitlements::next_change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeReason {
    ScheduledChange,
    CancelAtPeriodEnd,
    GraceEnds,
}

/// A plan that will apply from a known time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpcomingChange {
    pub at: DateTime<Utc>,
    pub plan: PlanId,
    pub limits: Limits,
    pub reason: ChangeReason,
}

/// The plan and limits that apply at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entitlements {
    pub plan: PlanId,
    pub limits: Limits,
    pub next_change: Option<UpcomingChange>,
}

/// The known future transitions of `state`, earliest first.
fn transitions(catalog: &Catalog, state: &BillingState) -> Vec<(DateTime<Utc>, PlanId, ChangeReason)> {
    let free = catalog.free_plan().id().clone();
    let mut out = Vec::new();
    if let Some(change) = state.scheduled_change() {
        out.push((change.effective_at, change.plan.clone(), ChangeReason::ScheduledChange));
    }
    if state.cancel_at_period_end() && state.has_live_subscription() {
        if let Some(period) = state.period() {
            out.push((period.end(), free.clone(), ChangeReason::CancelAtPeriodEnd));
        }
    }
    if state.status() == SubscriptionStatus::PastDue && state.plan() != &free {
        if let Some(grace_until) = state.grace_until() {
            out.push((grace_until, free, ChangeReason::GraceEnds));
        }
    }
    // A cancellation wins over a scheduled change at the same instant.
    out.sort_by_key(|(at, _, reason)| (*at, matches!(reason, ChangeReason::ScheduledChange)));
    out
}

fn limits_of(catalog: &Catalog, plan: &PlanId) -> Limits {
    catalog.plan(plan).unwrap_or_else(|| catalog.free_plan()).limits()
}

/// The entitlements at `at`, assuming nothing else happens after `state` was last changed.
pub fn entitlements_at(catalog: &Catalog, state: &BillingState, at: DateTime<Utc>) -> Entitlements {
    let mut plan = state.plan().clone();
    let mut next_change = None;
    for (when, target, reason) in transitions(catalog, state) {
        if when <= at {
            plan = target;
            // Once the subscription has ended nothing scheduled on it applies any more.
            if reason == ChangeReason::CancelAtPeriodEnd {
                break;
            }
        } else if next_change.is_none() {
            next_change = Some(UpcomingChange { at: when, limits: limits_of(catalog, &target), plan: target, reason });
        }
    }
    Entitlements { limits: limits_of(catalog, &plan), plan, next_change }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Actor, Command, Input, StripeFact};
    use crate::testing::*;

    #[test]
    fn cancellation_at_period_end_wins_over_later_transitions() {
        let rules = rules();
        let team = crate::decide::decide(
            &rules,
            &new_org(),
            Input::Stripe(event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::PastDue)))),
            at(10),
        )
        .unwrap()
        .state;
        let canceling =
            crate::decide::decide(&rules, &team, Input::Command { actor: Actor::System, command: Command::CancelAtPeriodEnd }, at(20))
                .unwrap()
                .state;
        let during = entitlements_at(&rules.catalog, &canceling, at(DAY));
        assert_eq!(during.plan, plan("team"));
        assert_eq!(during.next_change.map(|c| c.reason), Some(ChangeReason::GraceEnds));
        let after = entitlements_at(&rules.catalog, &canceling, at(40 * DAY));
        assert_eq!((after.plan, after.next_change), (plan("free"), None));
    }
}
