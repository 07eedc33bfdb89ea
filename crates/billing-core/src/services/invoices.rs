//! The organization's latest invoices, read from Stripe for the billing page.

use super::{BillingError, BillingService};
use crate::ids::OrgId;
use crate::invoice::{InvoiceStatus, InvoiceSummary};
use crate::ports::{BillingRepository, Clock, PaymentProvider};

/// The most invoices one listing asks Stripe for: Stripe's own page limit.
pub const MAX_INVOICES: u32 = 100;

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// The organization's latest invoices, newest first, at most `limit` (clamped to 1 to
    /// [`MAX_INVOICES`]). Drafts are left out: the customer cannot see or pay them yet. An
    /// organization that never started a checkout has no Stripe customer, hence no invoices,
    /// and Stripe is not asked.
    ///
    /// # Errors
    /// [`BillingError::Repository`] when storage fails, [`BillingError::Payment`] when Stripe does.
    pub async fn invoices(&self, org: &OrgId, limit: u32) -> Result<Vec<InvoiceSummary>, BillingError> {
        let state = self.state(org).await?;
        let Some(customer) = state.customer_id() else {
            return Ok(Vec::new());
        };
        let listed = self.payments.list_invoices(customer, limit.clamp(1, MAX_INVOICES)).await?;
        Ok(listed.into_iter().filter(|invoice| invoice.status != InvoiceStatus::Draft).collect())
    }
}
