//! Checkout: start a session (EC-18 guard), verify the return (Phase 3), open the billing portal.

use super::effects::settle_refetches;
use super::{BillingError, BillingService};
use crate::decide::decide;
use crate::effect::{Effect, StripeCall};
use crate::ids::{CheckoutSessionId, IdempotencyKey, OrgId, PlanId};
use crate::input::{Actor, CheckoutCompletion, Command, Input};
use crate::policy::Policy;
use crate::ports::{BillingRepository, CheckoutRequest, CheckoutSession, CheckoutSessionInfo, Clock, PaymentProvider, PortalSession};
use crate::state::BillingState;

/// A session the customer should be redirected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutStarted {
    pub session: CheckoutSession,
    pub plan: PlanId,
}

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// Opens a Checkout session for `plan`, creating the Stripe customer first if needed.
    ///
    /// # Errors
    /// [`BillingError::Transition`] (already subscribed, checkout in progress, plan not for sale),
    /// or Stripe and storage failures; nothing is saved when Stripe fails.
    pub async fn start_checkout(
        &self,
        org: &OrgId,
        actor: Actor,
        plan: PlanId,
        email: Option<String>,
    ) -> Result<CheckoutStarted, BillingError> {
        let loaded = self.state(org).await?;
        let now = self.clock.now();
        let decision = decide(
            &self.rules,
            &loaded,
            Input::Command { actor: actor.clone(), command: Command::StartCheckout { plan: plan.clone() } },
            now,
        )?;
        let Some((price, customer, key)) = decision.effects.iter().find_map(|e| match e {
            Effect::Stripe(cmd) => match &cmd.call {
                StripeCall::CreateCheckout { price, customer, .. } => Some((price.clone(), customer.clone(), cmd.idempotency_key.clone())),
                _ => None,
            },
            _ => None,
        }) else {
            return Err(BillingError::Payment(crate::ports::PaymentError::Unknown(anyhow::anyhow!(
                "checkout decision without a checkout call"
            ))));
        };
        let customer = match customer {
            Some(c) => c,
            None => {
                let customer_key = IdempotencyKey::for_operation("customer", org, loaded.version(), "");
                self.payments.create_customer(org, email, &customer_key).await?
            }
        };
        let request = CheckoutRequest {
            org_id: org.clone(),
            customer: customer.clone(),
            price,
            success_url: self.urls.checkout_success.clone(),
            cancel_url: self.urls.checkout_cancel.clone(),
            expires_at: self.rules.policy.checkout_session_expires_at(now),
        };
        let session = self.payments.create_checkout_session(&request, &key).await?;
        let opened = Command::CheckoutOpened {
            session_id: session.id.clone(),
            plan: plan.clone(),
            customer_id: customer,
            url: Some(session.url.clone()),
        };
        self.record_opened(org, actor, opened).await?;
        Ok(CheckoutStarted { session, plan })
    }

    /// Remembers the opened session as the pending checkout.
    async fn record_opened(&self, org: &OrgId, actor: Actor, command: Command) -> Result<(), BillingError> {
        self.decide_and_commit(org, |loaded, now| {
            let input = Input::Command { actor: actor.clone(), command: command.clone() };
            async move { Ok(decide(&self.rules, &loaded, input, now)?) }
        })
        .await
        .map(drop)
    }

    /// Verifies a session the customer returned from (never trusting the redirect alone) and
    /// fulfils it at once when it is complete and paid, so the page shows the new plan (EC-17).
    /// Fulfilment is the one `checkout.session.completed` performs: whichever comes first applies.
    /// The subscription is then read from Stripe, which brings its period and real status.
    ///
    /// # Errors
    /// [`BillingError::SessionNotOwned`] when the session is another organization's (its
    /// customer belongs to another one, whatever the session names),
    /// [`BillingError::CheckoutIncomplete`] while it is open or after it expired,
    /// [`BillingError::PaymentRequired`] when it completed unpaid.
    pub async fn verify_checkout(&self, org: &OrgId, session_id: &CheckoutSessionId) -> Result<BillingState, BillingError> {
        let info = self.payments.retrieve_checkout_session(session_id).await?;
        self.ensure_session_owned(org, &info).await?;
        if !info.complete {
            return Err(BillingError::CheckoutIncomplete);
        }
        if !Policy::may_provision_from_checkout(info.complete, info.paid) {
            return Err(BillingError::PaymentRequired);
        }
        let completion = CheckoutCompletion {
            session_id: info.id.clone(),
            customer_id: info.customer.clone(),
            subscription_id: info.subscription.clone(),
            complete: info.complete,
            paid: info.paid,
        };
        self.decide_and_commit(org, |loaded, now| {
            let input = Input::CheckoutVerified(completion.clone());
            async move {
                let mut decision = decide(&self.rules, &loaded, input, now)?;
                if let Some(subscription) = decision.state.subscription_id().filter(|_| decision.state.has_live_subscription()) {
                    decision.effects.push(Effect::RefetchSubscription(subscription.clone()));
                }
                Ok(settle_refetches(&self.rules, self.payments.as_ref(), decision, now).await?)
            }
        })
        .await
    }

    /// Refuses a session that is not `org`'s. It is when its Stripe customer is `org`'s, or when
    /// it names `org` and its customer belongs to no other organization: the reference is chosen
    /// outside our control (a Payment Link buyer sets `client_reference_id`), and a customer
    /// never moves between organizations.
    async fn ensure_session_owned(&self, org: &OrgId, info: &CheckoutSessionInfo) -> Result<(), BillingError> {
        let loaded = self.state(org).await?;
        if info.customer.is_some() && info.customer.as_ref() == loaded.customer_id() {
            return Ok(());
        }
        if info.org_reference.as_deref() != Some(org.as_str()) {
            return Err(BillingError::SessionNotOwned);
        }
        let owner = match &info.customer {
            Some(customer) => self.repo.find_by_customer(customer).await?,
            None => None,
        };
        match owner {
            Some(owner) if &owner != org => Err(BillingError::SessionNotOwned),
            _ => Ok(()),
        }
    }

    /// A short-lived Stripe billing-portal link (Phase 1); created per click, never stored.
    ///
    /// # Errors
    /// [`BillingError::NoCustomer`] before the first checkout.
    pub async fn portal_link(&self, org: &OrgId) -> Result<PortalSession, BillingError> {
        let state = self.state(org).await?;
        let customer = state.customer_id().ok_or(BillingError::NoCustomer)?;
        let now = self.clock.now();
        let key = IdempotencyKey::for_operation("portal", org, state.version(), &now.timestamp_millis().to_string());
        Ok(self.payments.create_portal_session(customer, &self.urls.portal_return, &key).await?)
    }
}
