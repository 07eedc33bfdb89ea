//! Previewing what a plan change costs now, from our own arithmetic and from Stripe's preview.

use super::{BillingError, BillingService};
use crate::decide::TransitionError;
use crate::ids::{OrgId, PlanId};
use crate::money::Money;
use crate::policy::{ChangeDirection, Policy};
use crate::ports::{BillingRepository, Clock, PaymentProvider, PriceChange, ProrationPreview};
use crate::proration::immediate_charge;

/// What changing to a plan would cost now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProrationQuote {
    pub plan: PlanId,
    pub direction: ChangeDirection,
    /// Our exact-integer estimate (zero for downgrades, which apply at period end).
    pub estimate: Money,
    /// Stripe's preview for upgrades; `None` for downgrades.
    pub stripe: Option<ProrationPreview>,
}

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// Quotes a plan change without making it.
    ///
    /// # Errors
    /// [`BillingError::Transition`] when there is no subscription, no period, or the plan is unknown.
    pub async fn preview_proration(&self, org: &OrgId, plan: &PlanId) -> Result<ProrationQuote, BillingError> {
        let state = self.state(org).await?;
        let catalog = &self.rules.catalog;
        let subscription = state.subscription_id().filter(|_| state.has_live_subscription()).ok_or(TransitionError::NoSubscription)?;
        let customer = state.customer_id().ok_or(BillingError::NoCustomer)?;
        let period = state.period().ok_or(TransitionError::NoBillingPeriod)?;
        let to = catalog.plan(plan).ok_or_else(|| TransitionError::UnknownPlan(plan.clone()))?;
        let from_id = state.subscribed_plan().unwrap_or(state.plan());
        let from = catalog.plan(from_id).ok_or_else(|| TransitionError::UnknownPlan(from_id.clone()))?;
        let now = self.clock.now();
        let direction = Policy::direction(from, to);
        let estimate = immediate_charge(from.monthly_price(), to.monthly_price(), period, now)
            .map_err(|e| BillingError::Payment(crate::ports::PaymentError::Unknown(anyhow::anyhow!("catalog prices disagree: {e}"))))?;
        let stripe = match (direction, to.stripe_price()) {
            (ChangeDirection::Upgrade, Some(price)) => {
                let change = PriceChange {
                    customer: customer.clone(),
                    subscription: subscription.clone(),
                    price: price.clone(),
                    proration_date: now,
                };
                Some(self.payments.preview_proration(&change).await?)
            }
            (ChangeDirection::Upgrade, None) => return Err(TransitionError::PlanNotPurchasable(plan.clone()).into()),
            (ChangeDirection::Downgrade | ChangeDirection::Same, _) => None,
        };
        Ok(ProrationQuote { plan: plan.clone(), direction, estimate, stripe })
    }
}
