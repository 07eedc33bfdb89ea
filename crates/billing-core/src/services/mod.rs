//! Use cases, generic over the ports: each loads state, decides, performs effects, commits.

mod checkout;
mod commands;
mod drift;
mod effects;
mod events;
mod intake;
mod invoices;
mod notify;
mod operator;
mod payments;
mod proration;
mod sweep;
mod tenancy;
mod timers;
mod watch;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::decide::{Decision, Rules, TransitionError};
use crate::ids::OrgId;
use crate::money::Money;
use crate::ports::{Clock, LedgerError, PaymentError, RepositoryError};
use crate::state::BillingState;

pub use checkout::CheckoutStarted;
pub use commands::{PlanChangeRequest, QuoteLock};
pub use drift::{drift, FieldDrift};
pub use events::{EventProcessor, ProcessOutcome};
pub use intake::{IntakeError, IntakeOutcome, StripeMode, VerifiedDelivery, WebhookIntake};
pub use invoices::MAX_INVOICES;
pub use notify::{DeliveryReport, NotificationDispatcher};
pub use operator::{RefundAsk, Refunded};
pub use payments::{failed_payments, FailedPayment};
pub use proration::ProrationQuote;
pub use sweep::{SweepMode, SweepReport};
pub use tenancy::TenantDisagreement;

/// Where Stripe sends the customer back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUrls {
    /// Must contain `{CHECKOUT_SESSION_ID}` so the page can verify the session.
    pub checkout_success: String,
    pub checkout_cancel: String,
    pub portal_return: String,
}

/// How many times a use case reloads and decides again after a concurrent change.
const MAX_CONFLICT_RETRIES: usize = 3;

/// Why a user-facing use case failed. Business variants first.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The Checkout session belongs to another organization.
    #[error("the checkout session belongs to another organization")]
    SessionNotOwned,
    /// The organization has no Stripe customer yet (never started a checkout).
    #[error("the organization has no billing account yet")]
    NoCustomer,
    /// The Checkout session is still open or expired: nothing was bought.
    #[error("the checkout is not complete")]
    CheckoutIncomplete,
    /// The Checkout session completed but its payment has not succeeded.
    #[error("the checkout's payment has not succeeded")]
    PaymentRequired,
    /// A quoted plan change would now cost something else than the quote said.
    #[error("the price of this change is no longer what was quoted")]
    QuoteChanged { quoted: Money, current: Money },
    #[error("payment provider failed: {0}")]
    Payment(#[from] PaymentError),
    #[error("storage failed: {0}")]
    Repository(#[from] RepositoryError),
    #[error("webhook ledger failed: {0}")]
    Ledger(#[from] LedgerError),
    /// A refund asked together with a cancellation was made, and the cancellation then failed.
    #[error("refund {} of {} was made, but cancelling the subscription failed: {source}", .refund.id, .refund.amount)]
    CancelAfterRefund { refund: Box<crate::refund::Refund>, source: Box<BillingError> },
}

/// The user-facing billing use cases.
#[derive(Debug)]
pub struct BillingService<R: ?Sized, P: ?Sized, C: ?Sized> {
    repo: Arc<R>,
    payments: Arc<P>,
    clock: Arc<C>,
    rules: Arc<Rules>,
    urls: ReturnUrls,
}

impl<R, P, C> BillingService<R, P, C>
where
    R: crate::ports::BillingRepository + ?Sized,
    P: crate::ports::PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    pub fn new(repo: Arc<R>, payments: Arc<P>, clock: Arc<C>, rules: Arc<Rules>, urls: ReturnUrls) -> Self {
        Self { repo, payments, clock, rules, urls }
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The organization's state, created on the free plan on first reference.
    ///
    /// # Errors
    /// [`BillingError::Repository`] when storage fails.
    pub async fn state(&self, org: &OrgId) -> Result<BillingState, BillingError> {
        Ok(self.repo.load_or_create(org, self.rules.catalog.free_plan().id()).await?)
    }

    /// Loads the organization, lets `step` decide (and perform the Stripe calls the decision
    /// needs), then commits. When the commit meets a concurrent change, the whole step runs
    /// again on the fresh state; steps are safe to repeat because their Stripe calls set
    /// absolute values and carry idempotency keys derived from the state version.
    async fn decide_and_commit<F, Fut>(&self, org: &OrgId, mut step: F) -> Result<BillingState, BillingError>
    where
        F: FnMut(BillingState, DateTime<Utc>) -> Fut,
        Fut: Future<Output = Result<Decision, BillingError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let loaded = self.state(org).await?;
            let now = self.clock.now();
            let decision = step(loaded.clone(), now).await?;
            match effects::commit_if_needed(self.repo.as_ref(), &self.rules, &loaded, &decision, now).await {
                Ok(version) => return Ok(decision.state.with_version(version)),
                Err(RepositoryError::VersionConflict { .. }) if attempt < MAX_CONFLICT_RETRIES => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests;
