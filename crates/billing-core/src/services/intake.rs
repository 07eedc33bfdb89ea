//! Recording verified webhook deliveries: resolve the organization, record once, acknowledge.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::decide::Rules;
use crate::ids::{OrgId, StripeCustomerId, StripeEventId};
use crate::ports::{BillingRepository, Clock, LedgerError, NewEvent, RecordOutcome, RepositoryError, WebhookLedger};

/// An authentic Stripe event to record, with the envelope fields read from it: a webhook
/// delivery whose signature was verified, or an event fetched from the API with our key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDelivery {
    pub id: StripeEventId,
    pub event_type: String,
    pub created: DateTime<Utc>,
    pub api_version: Option<String>,
    pub livemode: bool,
    pub org_hint: Option<OrgId>,
    pub customer: Option<StripeCustomerId>,
    pub payload: Vec<u8>,
    /// The position of the webhook secret that verified the signature; `None` for an event
    /// fetched from the API, which carries no signature.
    pub verified_by: Option<u32>,
}

/// Why a delivery could not be recorded; the caller answers 503 so Stripe retries.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("webhook ledger failed: {0}")]
    Ledger(#[from] LedgerError),
    #[error("storage failed: {0}")]
    Repository(#[from] RepositoryError),
}

/// Records verified deliveries in the ledger; processing happens later, in the workers.
#[derive(Debug)]
pub struct WebhookIntake<R: ?Sized, L: ?Sized, C: ?Sized> {
    repo: Arc<R>,
    ledger: Arc<L>,
    clock: Arc<C>,
    rules: Arc<Rules>,
}

impl<R, L, C> WebhookIntake<R, L, C>
where
    R: BillingRepository + ?Sized,
    L: WebhookLedger + ?Sized,
    C: Clock + ?Sized,
{
    pub fn new(repo: Arc<R>, ledger: Arc<L>, clock: Arc<C>, rules: Arc<Rules>) -> Self {
        Self { repo, ledger, clock, rules }
    }

    /// Records the delivery once. The organization named by the event is created on first
    /// reference; one found through the Stripe customer is attached; otherwise the worker
    /// resolves it later. Only a durable record may be acknowledged.
    ///
    /// # Errors
    /// [`IntakeError`] when storage is unavailable; nothing is acknowledged then.
    pub async fn record(&self, delivery: VerifiedDelivery) -> Result<RecordOutcome, IntakeError> {
        let org_id = match (&delivery.org_hint, &delivery.customer) {
            (Some(org), _) => {
                self.repo.load_or_create(org, self.rules.catalog.free_plan().id()).await?;
                Some(org.clone())
            }
            (None, Some(customer)) => self.repo.find_by_customer(customer).await?,
            (None, None) => None,
        };
        let event = NewEvent {
            id: delivery.id,
            event_type: delivery.event_type,
            created: delivery.created,
            api_version: delivery.api_version,
            livemode: delivery.livemode,
            org_id,
            payload: delivery.payload,
            verified_by: delivery.verified_by,
            received_at: self.clock.now(),
        };
        Ok(self.ledger.record(&event).await?)
    }
}
