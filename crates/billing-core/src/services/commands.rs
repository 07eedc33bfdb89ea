//! Subscription commands: cancel, reactivate, change plan, cancel a scheduled change, admin cancel.

use super::effects::run_stripe;
use super::{BillingError, BillingService};
use crate::decide::decide;
use crate::effect::Effect;
use crate::ids::{OrgId, PlanId};
use crate::input::{Actor, Command, Input};
use crate::ports::{BillingRepository, Clock, PaymentProvider};
use crate::state::BillingState;

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
    ///
    /// # Errors
    /// [`BillingError::Transition`] for unknown or same plans, rate limits and states without a subscription.
    pub async fn change_plan(&self, org: &OrgId, actor: Actor, plan: PlanId) -> Result<BillingState, BillingError> {
        self.run_command(org, actor, Command::ChangePlan { plan }).await
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
        self.decide_and_commit(org, |loaded, now| {
            let input = Input::Command { actor: actor.clone(), command: command.clone() };
            async move {
                let decision = decide(&self.rules, &loaded, input, now)?;
                for effect in &decision.effects {
                    if let Effect::Stripe(cmd) = effect {
                        run_stripe(self.payments.as_ref(), &loaded, cmd).await?;
                    }
                }
                Ok(decision)
            }
        })
        .await
    }
}
