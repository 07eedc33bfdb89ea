//! Which subscription an organization follows when its Stripe customer has several.

use super::draft::Draft;
use super::{Decision, Outcome, Rules};
use crate::effect::Effect;
use crate::input::SubscriptionSnapshot;
use crate::notice::Notice;
use crate::state::{BillingState, SubscriptionStatus};

/// Why a subscription other than the tracked one is not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Foreign {
    /// Its `metadata.org_id` names another organization.
    OtherOrganization,
    /// Its price is not in the catalog: another product sold on the same Stripe account.
    PriceNotInCatalog,
    /// The tracked subscription is live and keeps the organization.
    SecondSubscription,
}

/// `None` when the organization follows the snapshot's subscription: the tracked one, or a new
/// one it may adopt. The tracked subscription is followed whatever its metadata says, since
/// metadata never moves a subscription between organizations; a tracked one moving to a price
/// outside the catalog is the caller's error to report.
pub(super) fn foreign(rules: &Rules, state: &BillingState, snapshot: &SubscriptionSnapshot) -> Option<Foreign> {
    if state.subscription_id() == Some(&snapshot.id) {
        return None;
    }
    if snapshot.org_id.as_ref().is_some_and(|named| named != state.org_id()) {
        return Some(Foreign::OtherOrganization);
    }
    if rules.catalog.plan_for_price(&snapshot.price_id).is_none() {
        return Some(Foreign::PriceNotInCatalog);
    }
    holds(state, snapshot.status).then_some(Foreign::SecondSubscription)
}

/// True when the tracked subscription keeps the organization against another one in status
/// `other`: a live subscription is never replaced, whatever the other's status, except an
/// incomplete one (a first payment that never went through, which Stripe expires) by one that
/// is paid for.
fn holds(state: &BillingState, other: SubscriptionStatus) -> bool {
    state.has_live_subscription() && !(state.status() == SubscriptionStatus::Incomplete && other.grants_paid_plan())
}

/// The decision for a subscription that is not followed: nothing changes. A second live
/// subscription is also reported, since the customer may be paying twice; another product's
/// subscription is ordinary and only set aside.
pub(super) fn set_aside(state: &BillingState, snapshot: &SubscriptionSnapshot, why: Foreign) -> Decision {
    let mut decision = Draft::unchanged(state, Outcome::SetAside);
    match why {
        Foreign::SecondSubscription => {
            let notice = Notice::SecondSubscription { subscription: snapshot.id.clone(), status: snapshot.status };
            decision.effects.push(Effect::Notify(notice));
        }
        Foreign::OtherOrganization | Foreign::PriceNotInCatalog => {}
    }
    decision
}
