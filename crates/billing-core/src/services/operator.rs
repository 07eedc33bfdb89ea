//! Operator use cases: reconciling an organization with Stripe on someone's behalf, and refunding
//! one of its charges (recovery procedure 3), optionally cancelling it at once.

use super::effects::StripeReply;
use super::{BillingError, BillingService};
use crate::decide::{decide, Decision, Outcome};
use crate::ids::{OrgId, StripeChargeId};
use crate::input::{Actor, Command, Input};
use crate::money::Money;
use crate::ports::{BillingRepository, Clock, PaymentProvider};
use crate::refund::{Refund, RefundOrder, RefundReason};
use crate::state::BillingState;

/// A refund as an operator asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundAsk {
    pub charge: StripeChargeId,
    /// Minor units in the charge's own currency; `None` refunds what is left of the charge.
    pub amount: Option<i64>,
    pub reason: Option<RefundReason>,
    /// Cancel the subscription immediately once the refund is made, as `admin_cancel_now` does.
    pub cancel: bool,
}

/// What a refund did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    pub refund: Refund,
    /// The organization after the refund's audit row (and the cancellation, when asked).
    pub state: BillingState,
}

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// Re-reads the organization's subscription from Stripe and applies it (Stripe is the
    /// source of truth), audited as a reconcile by `actor` whenever it changes anything.
    /// Organizations without a live subscription are returned unchanged: Stripe never revives
    /// an ended one.
    ///
    /// # Errors
    /// Stripe or storage failures.
    pub async fn reconcile(&self, org: &OrgId, actor: Actor) -> Result<BillingState, BillingError> {
        self.decide_and_commit(org, |loaded, now| {
            let actor = actor.clone();
            async move {
                // The subscription of the state just loaded: a concurrent change may have ended it.
                let Some(subscription) = loaded.subscription_id().filter(|_| !loaded.status().is_terminal()).cloned() else {
                    return Ok(Decision { state: loaded, effects: Vec::new(), outcome: Outcome::Applied });
                };
                let snapshot = self.payments.retrieve_subscription(&subscription).await?;
                let input = Input::Command { actor, command: Command::Reconcile(snapshot) };
                Ok(decide(&self.rules, &loaded, input, now)?)
            }
        })
        .await
    }

    /// Refunds a charge of the organization's Stripe customer, after reading the charge from
    /// Stripe to make sure it is that customer's (another tenant's charge is never refunded),
    /// audited with `actor` in the same commit; then, when asked, cancels the subscription now.
    /// A cancellation is checked before anything is refunded, so a refund never goes through
    /// when the cancellation asked with it cannot.
    ///
    /// # Errors
    /// [`BillingError::NoCustomer`]; [`BillingError::Transition`] for another customer's charge,
    /// an amount out of range, a charge refunded already, or a cancellation without a live
    /// subscription; [`BillingError::CancelAfterRefund`] when the refund was made and the
    /// cancellation then failed; Stripe or storage failures.
    pub async fn refund(&self, org: &OrgId, actor: Actor, ask: RefundAsk) -> Result<Refunded, BillingError> {
        let state = self.state(org).await?;
        if state.customer_id().is_none() {
            return Err(BillingError::NoCustomer);
        }
        if ask.cancel && !state.has_live_subscription() {
            return Err(crate::decide::TransitionError::NoSubscription.into());
        }
        let charge = self.payments.retrieve_charge(&ask.charge).await?;
        let amount = ask.amount.map(|minor| Money::new(minor, charge.amount.currency()));
        let order = RefundOrder { charge, amount, reason: ask.reason };
        let (state, replies) = self.run_command_replies(org, actor.clone(), Command::Refund(order)).await?;
        let refund = replies
            .into_iter()
            .find_map(|reply| match reply {
                StripeReply::Refunded(refund) => Some(refund),
                StripeReply::Done => None,
            })
            .ok_or_else(|| BillingError::Payment(anyhow::anyhow!("the refund decision made no refund").into()))?;
        if !ask.cancel {
            return Ok(Refunded { refund, state });
        }
        match self.admin_cancel_now(org, actor).await {
            Ok(state) => Ok(Refunded { refund, state }),
            Err(source) => Err(BillingError::CancelAfterRefund { refund: Box::new(refund), source: Box::new(source) }),
        }
    }
}
