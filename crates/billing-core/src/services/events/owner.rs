//! Which organization a decoded event belongs to.

use super::failure::{charge_read_failed, repo_failure, Failure};
use super::EventProcessor;
use crate::ids::{OrgId, StripeChargeId, StripeCustomerId, StripeSubscriptionId};
use crate::input::{StripeEvent, StripeFact};
use crate::ports::{BillingRepository, ClaimedEvent, Clock, EventDecoder, PaymentError, PaymentProvider, WebhookLedger};

/// What an event's fact offers to find its organization by, beyond its customer and hints.
enum Lead<'a> {
    Subscription(&'a StripeSubscriptionId),
    /// A dispute names only its charge; the charge names the customer.
    Charge(&'a StripeChargeId),
    None,
}

fn lead(fact: &StripeFact) -> Lead<'_> {
    let subscription = match fact {
        StripeFact::SubscriptionChanged(s) | StripeFact::SubscriptionDeleted(s) => Some(&s.id),
        StripeFact::InvoicePaid(i) | StripeFact::InvoicePaymentFailed(i) | StripeFact::InvoiceActionRequired(i) => {
            i.subscription_id.as_ref()
        }
        StripeFact::CheckoutCompleted(c) => c.subscription_id.as_ref(),
        StripeFact::TrialWillEnd { subscription_id, .. } => Some(subscription_id),
        StripeFact::InvoiceUpcoming(u) => u.subscription_id.as_ref(),
        StripeFact::ScheduleChanged(s) => s.subscription_id.as_ref(),
        StripeFact::DisputeOpened(d) | StripeFact::DisputeClosed(d) => return Lead::Charge(&d.charge_id),
        StripeFact::CheckoutExpired { .. } | StripeFact::ChargeRefunded { .. } => None,
    };
    subscription.map_or(Lead::None, Lead::Subscription)
}

impl<R, L, P, D, C> EventProcessor<R, L, P, D, C>
where
    R: BillingRepository + ?Sized,
    L: WebhookLedger + ?Sized,
    P: PaymentProvider + ?Sized,
    D: EventDecoder + ?Sized,
    C: Clock + ?Sized,
{
    /// The organization an event belongs to: the owner of its Stripe customer first, because
    /// the organization an event names is chosen outside our control (a Payment Link buyer sets
    /// `client_reference_id`) and must never take a customer from its owner; a disagreement is
    /// reported. Then the organization the ledger recorded or the event names, then the owner
    /// of its subscription, or of its charge's customer.
    pub(super) async fn resolve_org(
        &self,
        claimed: &ClaimedEvent,
        hint: Option<OrgId>,
        customer: Option<&StripeCustomerId>,
        event: &StripeEvent,
    ) -> Result<Option<OrgId>, Failure> {
        // The ledger's organization comes first: once an event moved to its owner, a retry
        // names the owner and the disagreement is not reported twice.
        let named = claimed.org_id.clone().or(hint);
        let event_ref = (&claimed.id, claimed.event_type.as_str());
        if let Some(org) = self.tenants.owner_first(self.repo.as_ref(), event_ref, customer, named).await.map_err(repo_failure)? {
            return Ok(Some(org));
        }
        match lead(&event.fact) {
            Lead::Subscription(s) => self.repo.find_by_subscription(s).await.map_err(repo_failure),
            Lead::Charge(charge) => self.charge_owner(charge).await,
            Lead::None => Ok(None),
        }
    }

    /// The organization owning the customer a charge was made for, read from Stripe: the only
    /// link from a dispute to an organization, since a dispute carries no customer and no
    /// metadata. Without a Stripe key, or for a charge with no customer or none Stripe knows,
    /// the event has no owner (retried for a while, then set aside like another product's).
    async fn charge_owner(&self, charge: &StripeChargeId) -> Result<Option<OrgId>, Failure> {
        let customer = match self.payments.retrieve_charge(charge).await {
            Ok(read) => read.customer,
            Err(PaymentError::NotConfigured | PaymentError::NotFound { .. }) => None,
            Err(e) => return Err(charge_read_failed(e)),
        };
        match customer {
            Some(customer) => self.repo.find_by_customer(&customer).await.map_err(repo_failure),
            None => Ok(None),
        }
    }
}
