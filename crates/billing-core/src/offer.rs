//! What a pricing page offers an organization for each plan: which one it is on, and what a click does.

use crate::catalog::{Catalog, Plan};
use crate::policy::{ChangeDirection, Policy};
use crate::state::{BillingState, SubscriptionStatus};

/// What choosing a plan does for this organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    /// Buy it through Checkout: the organization has no paying subscription.
    Checkout,
    /// Switch to it now, with the proration charged.
    Upgrade,
    /// Switch to it at period end.
    Downgrade,
    /// Manage the subscription in the billing portal (its own plan, the free plan, or while the
    /// subscription cannot change plan, e.g. past due or set to cancel).
    Manage,
}

impl PlanAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            PlanAction::Checkout => "checkout",
            PlanAction::Upgrade => "upgrade",
            PlanAction::Downgrade => "downgrade",
            PlanAction::Manage => "manage",
        }
    }
}

/// One plan as offered to one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOffer<'c> {
    pub plan: &'c Plan,
    /// The plan the organization is on.
    pub current: bool,
    /// `None` for the free plan of an organization that pays nothing: there is nothing to do.
    pub action: Option<PlanAction>,
}

/// Every plan of the catalog, in catalog order, as offered to the organization in `state`.
pub fn plan_offers<'c>(catalog: &'c Catalog, state: &BillingState) -> Vec<PlanOffer<'c>> {
    let paying = state.has_live_subscription() && state.status() != SubscriptionStatus::Incomplete;
    let subscribed = state.subscribed_plan().filter(|_| paying).and_then(|id| catalog.plan(id));
    let may_change = matches!(state.status(), SubscriptionStatus::Active | SubscriptionStatus::Trialing) && !state.cancel_at_period_end();
    catalog
        .plans()
        .iter()
        .map(|plan| match subscribed {
            Some(own) => {
                let action = match Policy::direction(own, plan) {
                    _ if !plan.is_paid() || !may_change => PlanAction::Manage,
                    ChangeDirection::Same => PlanAction::Manage,
                    ChangeDirection::Upgrade => PlanAction::Upgrade,
                    ChangeDirection::Downgrade => PlanAction::Downgrade,
                };
                PlanOffer { plan, current: plan.id() == own.id(), action: Some(action) }
            }
            None => PlanOffer { plan, current: plan.id() == state.plan(), action: plan.is_paid().then_some(PlanAction::Checkout) },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn actions(state: &BillingState) -> Vec<(String, bool, Option<&'static str>)> {
        let rules = rules();
        plan_offers(&rules.catalog, state).into_iter().map(|o| (o.plan.id().to_string(), o.current, o.action.map(|a| a.as_str()))).collect()
    }

    fn expect(rows: &[(&str, bool, Option<&'static str>)]) -> Vec<(String, bool, Option<&'static str>)> {
        rows.iter().map(|(id, current, action)| (id.to_string(), *current, *action)).collect()
    }

    #[test]
    fn a_free_organization_is_offered_checkout_for_every_paid_plan() {
        assert_eq!(
            actions(&new_org()),
            expect(&[
                ("free", true, None),
                ("solo", false, Some("checkout")),
                ("team", false, Some("checkout")),
                ("enterprise", false, Some("checkout"))
            ])
        );
    }

    #[test]
    fn a_team_subscriber_manages_its_plan_and_moves_up_or_down_from_it() {
        let state = on(SubscriptionStatus::Active, false);
        assert_eq!(
            actions(&state),
            expect(&[
                ("free", false, Some("manage")),
                ("solo", false, Some("downgrade")),
                ("team", true, Some("manage")),
                ("enterprise", false, Some("upgrade"))
            ])
        );
    }

    #[test]
    fn a_past_due_or_canceling_subscriber_is_sent_to_the_portal_for_every_plan() {
        for state in [on(SubscriptionStatus::PastDue, false), on(SubscriptionStatus::Active, true)] {
            let all = actions(&state);
            assert!(all.iter().all(|(_, _, a)| *a == Some("manage")), "{all:?}");
            assert!(all.iter().any(|(id, current, _)| id == "team" && *current));
        }
    }

    #[test]
    fn an_incomplete_first_payment_is_not_yet_a_subscription_to_manage() {
        let all = actions(&on(SubscriptionStatus::Incomplete, false));
        assert_eq!(all[2], ("team".to_owned(), false, Some("checkout")), "{all:?}");
        assert_eq!(all[0], ("free".to_owned(), true, None));
    }

    fn on(status: SubscriptionStatus, canceling: bool) -> BillingState {
        let mut snap = snapshot("price_team", status);
        snap.cancel_at_period_end = canceling;
        let ev = event(1, 10, crate::input::StripeFact::SubscriptionChanged(snap));
        crate::decide::decide(&rules(), &new_org(), crate::input::Input::Stripe(ev), at(10))
            .map(|d| d.state)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}
