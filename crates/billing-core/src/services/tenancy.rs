//! Which organization an event belongs to: the owner of its Stripe customer wins over the
//! organization the event names, and each disagreement is reported. Intake and the event
//! processor share this one rule.

use super::watch::Watch;
use crate::ids::{OrgId, StripeCustomerId, StripeEventId};
use crate::ports::{BillingRepository, RepositoryError};

/// An event recorded for, or naming, another organization than the one owning its Stripe
/// customer. The event was applied to the owner: a customer never moves between organizations,
/// whatever `client_reference_id` or `metadata.org_id` say (a Payment Link buyer chooses them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantDisagreement {
    pub event_id: StripeEventId,
    /// Stripe's event type, as the ledger recorded it.
    pub event_type: String,
    pub customer: StripeCustomerId,
    /// The organization owning the customer, which the event was applied to.
    pub owner: OrgId,
    /// The organization the ledger recorded the event for or the event names, left untouched.
    pub named: OrgId,
}

/// Where tenant disagreements are reported.
pub(super) type TenantWatch = Watch<TenantDisagreement>;

impl Watch<TenantDisagreement> {
    /// The owner of `customer` when one is known, reporting `named` if it differs; otherwise
    /// `named`. `None` when neither is known.
    ///
    /// # Errors
    /// The repository's error when the owner cannot be looked up.
    pub(super) async fn owner_first<R: BillingRepository + ?Sized>(
        &self,
        repo: &R,
        event: (&StripeEventId, &str),
        customer: Option<&StripeCustomerId>,
        named: Option<OrgId>,
    ) -> Result<Option<OrgId>, RepositoryError> {
        let Some(customer) = customer else { return Ok(named) };
        let Some(owner) = repo.find_by_customer(customer).await? else { return Ok(named) };
        if let (true, Some(named)) = (self.is_watched(), named.filter(|n| n != &owner)) {
            let (event_id, event_type) = (event.0.clone(), event.1.to_owned());
            self.tell(&TenantDisagreement { event_id, event_type, customer: customer.clone(), owner: owner.clone(), named });
        }
        Ok(Some(owner))
    }
}
