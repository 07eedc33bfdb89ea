//! Previewing what a plan change costs now, from our own arithmetic and from Stripe's preview.

use chrono::{DateTime, Utc};

use super::{BillingError, BillingService};
use crate::decide::TransitionError;
use crate::ids::{OrgId, PlanId};
use crate::money::Money;
use crate::policy::{ChangeDirection, Policy};
use crate::ports::{BillingRepository, Clock, PaymentError, PaymentProvider, PriceChange, ProrationPreview};
use crate::proration::immediate_charge;

/// What changing to a plan would cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProrationQuote {
    pub plan: PlanId,
    pub direction: ChangeDirection,
    /// The instant the proration is computed at; a quoted change reuses it.
    pub proration_date: DateTime<Utc>,
    /// When the new plan takes effect: now for upgrades, the period end for downgrades.
    pub effective_at: DateTime<Utc>,
    /// Our exact-integer estimate (zero for downgrades, which apply at period end).
    pub estimate: Money,
    /// Stripe's preview for upgrades; `None` for downgrades, which need no Stripe call.
    pub stripe: Option<ProrationPreview>,
    /// The regular invoice after the change: the new plan's price.
    pub next_invoice: Money,
}

impl ProrationQuote {
    /// What the change charges at once: Stripe's proration for an upgrade, nothing for a downgrade.
    pub fn charge_now(&self) -> Money {
        match &self.stripe {
            Some(preview) => preview.proration,
            None => Money::zero(self.next_invoice.currency()),
        }
    }
}

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// Quotes a plan change now without making it.
    ///
    /// # Errors
    /// [`BillingError::Transition`] when there is no subscription, no period, or the plan is
    /// unknown, the same, or not for sale; Stripe failures for upgrades.
    pub async fn preview_proration(&self, org: &OrgId, plan: &PlanId) -> Result<ProrationQuote, BillingError> {
        self.preview_proration_at(org, plan, None).await
    }

    /// Quotes a plan change with prorations computed at `proration_date` (now when `None`).
    pub(super) async fn preview_proration_at(
        &self,
        org: &OrgId,
        plan: &PlanId,
        proration_date: Option<DateTime<Utc>>,
    ) -> Result<ProrationQuote, BillingError> {
        let state = self.state(org).await?;
        let catalog = &self.rules.catalog;
        let subscription = state.subscription_id().filter(|_| state.has_live_subscription()).ok_or(TransitionError::NoSubscription)?;
        let customer = state.customer_id().ok_or(BillingError::NoCustomer)?;
        let period = state.period().ok_or(TransitionError::NoBillingPeriod)?;
        let to = catalog.plan(plan).ok_or_else(|| TransitionError::UnknownPlan(plan.clone()))?;
        let price = to.stripe_price().filter(|_| to.is_paid()).ok_or_else(|| TransitionError::PlanNotPurchasable(plan.clone()))?;
        let from_id = state.subscribed_plan().unwrap_or(state.plan());
        let from = catalog.plan(from_id).ok_or_else(|| TransitionError::UnknownPlan(from_id.clone()))?;
        let at = proration_date.unwrap_or_else(|| self.clock.now());
        let direction = Policy::direction(from, to);
        let estimate = immediate_charge(from.monthly_price(), to.monthly_price(), period, at)
            .map_err(|e| BillingError::Payment(PaymentError::Unknown(anyhow::anyhow!("catalog prices disagree: {e}"))))?;
        let (stripe, effective_at) = match direction {
            ChangeDirection::Upgrade => {
                let change = PriceChange {
                    customer: customer.clone(),
                    subscription: subscription.clone(),
                    price: price.clone(),
                    proration_date: at,
                };
                (Some(self.payments.preview_proration(&change).await?), at)
            }
            ChangeDirection::Downgrade => (None, period.end()),
            ChangeDirection::Same => return Err(TransitionError::SamePlan(plan.clone()).into()),
        };
        Ok(ProrationQuote {
            plan: plan.clone(),
            direction,
            proration_date: at,
            effective_at,
            estimate,
            stripe,
            next_invoice: to.monthly_price(),
        })
    }
}
