//! Embedding the billing core in another service: apply Stripe facts, then ask for entitlements.

use billing_core::{
    decide, entitlements_at, BillingPeriod, BillingState, Catalog, Input, OrgId, PlanId, Policy, Rules, StripeCustomerId, StripeEvent,
    StripeEventId, StripeFact, StripePriceId, StripeSubscriptionId, SubscriptionSnapshot, SubscriptionStatus,
};
use chrono::{Duration, Utc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The catalog ships with free, solo, team and enterprise; prices come from configuration.
    let catalog = Catalog::default_catalog().with_stripe_price(&PlanId::parse("team")?, StripePriceId::parse("price_team")?)?;
    let rules = Rules { catalog, policy: Policy::default() };
    let mut state = BillingState::new(OrgId::parse("org_42")?, rules.catalog.free_plan().id().clone());

    // A verified `customer.subscription.updated`, already mapped out of Stripe's format.
    let now = Utc::now();
    let period = BillingPeriod::new(now, now + Duration::days(30)).ok_or("empty period")?;
    let snapshot = SubscriptionSnapshot {
        id: StripeSubscriptionId::parse("sub_1")?,
        customer_id: StripeCustomerId::parse("cus_1")?,
        status: SubscriptionStatus::Active,
        price_id: StripePriceId::parse("price_team")?,
        cancel_at_period_end: true,
        period,
        canceled_at: None,
        org_id: None,
        schedule_id: None,
    };
    let event = StripeEvent { id: StripeEventId::parse("evt_1")?, created: now, fact: StripeFact::SubscriptionChanged(snapshot) };

    // Deciding is pure; persist `decision.state` and carry out `decision.effects` yourself.
    let decision = decide(&rules, &state, Input::Stripe(event.clone()), now)?;
    state = decision.state;
    // The same event again changes nothing.
    assert_eq!(decide(&rules, &state, Input::Stripe(event), now)?.state, state);

    let today = entitlements_at(&rules.catalog, &state, now);
    println!("{} is on {} with {:?}", state.org_id(), today.plan, today.limits);
    if let Some(next) = today.next_change {
        println!("from {} it will be on {} ({:?})", next.at, next.plan, next.reason);
    }
    for notice in billing_core::notice::banners(&state, now) {
        println!("banner: {}", notice.kind());
    }
    Ok(())
}
