//! Subscription commands: cancel, reactivate, change plan, cancel a scheduled change, admin cancel.

use std::sync::{Mutex, PoisonError};

use super::effects::{run_stripe, StripeReply};
use super::{BillingError, BillingService};
use crate::decide::decide;
use crate::effect::Effect;
use chrono::{DateTime, Utc};

use crate::catalog::Usage;
use crate::ids::{OrgId, PlanId, StripePriceId};
use crate::input::{Actor, Command, Input};
use crate::money::Money;
use crate::ports::{BillingRepository, Clock, PaymentProvider};
use crate::state::BillingState;

/// A plan change as the customer asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChangeRequest {
    pub plan: PlanId,
    /// A verified quote the customer accepted; the change must cost exactly that.
    pub quote: Option<QuoteLock>,
    /// Current usage, checked against a lower plan's limits before downgrading.
    pub usage: Option<Usage>,
    /// Downgrade even when the usage exceeds the lower plan's limits.
    pub force: bool,
}

impl PlanChangeRequest {
    /// A change to `plan` now, unquoted and unchecked.
    pub fn to(plan: PlanId) -> Self {
        Self { plan, quote: None, usage: None, force: false }
    }
}

/// What a proration quote promised: the price it was for, the proration instant and the amount
/// charged now. The caller proves it came from us (the server signs quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteLock {
    pub price: StripePriceId,
    pub proration_date: DateTime<Utc>,
    pub amount: Money,
}

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// Cancels at period end (EC-4A); features stay until then.
    ///
    /// # Errors
    /// [`BillingError::Transition`] when there is nothing to cancel; Stripe or storage failures.
    pub async fn cancel_at_period_end(&self, org: &OrgId, actor: Actor) -> Result<BillingState, BillingError> {
        self.run_command(org, actor, Command::CancelAtPeriodEnd).await
    }

    /// Undoes a cancellation at period end (EC-5).
    ///
    /// # Errors
    /// [`BillingError::Transition`] when the subscription is not set to cancel.
    pub async fn reactivate(&self, org: &OrgId, actor: Actor) -> Result<BillingState, BillingError> {
        self.run_command(org, actor, Command::Reactivate).await
    }

    /// Upgrades now with proration or schedules a downgrade at period end (EC-6, EC-7, EC-8).
    /// With a quote, the upgrade prorates at the quote's instant, and only when Stripe's preview
    /// for that instant still charges what the quote said.
    ///
    /// # Errors
    /// [`BillingError::Transition`] for unknown or same plans, rate limits, states without a
    /// subscription and downgrades the usage does not fit; [`BillingError::QuoteChanged`];
    /// [`PaymentError::PaymentFailed`](crate::ports::PaymentError::PaymentFailed) when the
    /// proration charge fails, leaving the plan as it was.
    pub async fn change_plan(&self, org: &OrgId, actor: Actor, request: PlanChangeRequest) -> Result<BillingState, BillingError> {
        let PlanChangeRequest { plan, quote, usage, force } = request;
        let proration_date = match quote {
            Some(quote) => Some(self.check_quote(org, &plan, &quote).await?),
            None => None,
        };
        let usage = usage.filter(|_| !force);
        self.run_command(org, actor, Command::ChangePlan { plan, proration_date, usage }).await
    }

    /// The quote's instant, when Stripe's preview for it still matches the quote.
    async fn check_quote(&self, org: &OrgId, plan: &PlanId, quote: &QuoteLock) -> Result<DateTime<Utc>, BillingError> {
        let target_price = self.rules.catalog.plan(plan).and_then(|p| p.stripe_price()).cloned();
        let now_quote = self.preview_proration_at(org, plan, Some(quote.proration_date)).await?;
        let current = now_quote.charge_now();
        if target_price.as_ref() != Some(&quote.price) || current != quote.amount {
            return Err(BillingError::QuoteChanged { quoted: quote.amount, current });
        }
        Ok(quote.proration_date)
    }

    /// Keeps the current plan instead of a scheduled downgrade.
    ///
    /// # Errors
    /// [`BillingError::Transition`] when nothing is scheduled.
    pub async fn cancel_scheduled_change(&self, org: &OrgId, actor: Actor) -> Result<BillingState, BillingError> {
        self.run_command(org, actor, Command::CancelScheduledChange).await
    }

    /// Cancels the subscription immediately (EC-4B, operators only).
    ///
    /// # Errors
    /// [`BillingError::Transition`] when there is no live subscription.
    pub async fn admin_cancel_now(&self, org: &OrgId, actor: Actor) -> Result<BillingState, BillingError> {
        self.run_command(org, actor, Command::AdminCancelNow).await
    }

    /// Decides, performs the decision's Stripe calls in order, then commits. When a Stripe call
    /// fails nothing is saved (EC-12).
    pub(super) async fn run_command(&self, org: &OrgId, actor: Actor, command: Command) -> Result<BillingState, BillingError> {
        self.run_command_replies(org, actor, command).await.map(|(state, _)| state)
    }

    /// [`Self::run_command`], returning also what Stripe answered to the calls of the decision
    /// that was committed (an earlier attempt's answers are dropped when a conflict decided again).
    pub(super) async fn run_command_replies(
        &self,
        org: &OrgId,
        actor: Actor,
        command: Command,
    ) -> Result<(BillingState, Vec<StripeReply>), BillingError> {
        let replies = Mutex::new(Vec::new());
        let state = self
            .decide_and_commit(org, |loaded, now| {
                let input = Input::Command { actor: actor.clone(), command: command.clone() };
                let replies = &replies;
                async move {
                    let decision = decide(&self.rules, &loaded, input, now)?;
                    let mut answered = Vec::new();
                    for effect in &decision.effects {
                        if let Effect::Stripe(cmd) = effect {
                            answered.push(run_stripe(self.payments.as_ref(), &loaded, cmd).await?);
                        }
                    }
                    *replies.lock().unwrap_or_else(PoisonError::into_inner) = answered;
                    Ok(decision)
                }
            })
            .await?;
        Ok((state, replies.into_inner().unwrap_or_else(PoisonError::into_inner)))
    }
}
