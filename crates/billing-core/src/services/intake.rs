//! Recording verified webhook deliveries: check the mode, resolve the organization, record once.

mod recovery;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::tenancy::{TenantDisagreement, TenantWatch};
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

/// Which of Stripe's two separate worlds an event, a key or an endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StripeMode {
    Live,
    Test,
}

impl StripeMode {
    /// The mode of an event whose envelope says `livemode`.
    pub fn of(livemode: bool) -> Self {
        if livemode {
            Self::Live
        } else {
            Self::Test
        }
    }

    /// `live` or `test`, for logs and metric labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Test => "test",
        }
    }
}

/// Why an event of `received` mode is never applied by an installation serving `expected`.
pub(crate) fn mode_mismatch(expected: StripeMode, received: StripeMode) -> String {
    format!("a {} mode event; this installation serves {} mode", received.as_str(), expected.as_str())
}

/// What became of a delivery; every variant is acknowledged to Stripe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeOutcome {
    /// Recorded for the workers to process.
    Recorded,
    /// Already recorded; nothing changed.
    Duplicate,
    /// The event belongs to the other Stripe mode than this intake serves, so it must never
    /// change a plan: it was recorded already ignored, with the reason, and is never processed
    /// (a replay is refused by the worker's own check of the mode). A repeat of it answers
    /// [`Self::Duplicate`].
    IgnoredForMode { expected: StripeMode, received: StripeMode },
}

impl From<RecordOutcome> for IntakeOutcome {
    fn from(outcome: RecordOutcome) -> Self {
        match outcome {
            RecordOutcome::Recorded => Self::Recorded,
            RecordOutcome::Duplicate => Self::Duplicate,
        }
    }
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
    expected_mode: Option<StripeMode>,
    tenants: TenantWatch,
}

impl<R, L, C> WebhookIntake<R, L, C>
where
    R: BillingRepository + ?Sized,
    L: WebhookLedger + ?Sized,
    C: Clock + ?Sized,
{
    /// An intake that accepts events of both modes; see [`Self::expecting_mode`].
    pub fn new(repo: Arc<R>, ledger: Arc<L>, clock: Arc<C>, rules: Arc<Rules>) -> Self {
        Self { repo, ledger, clock, rules, expected_mode: None, tenants: TenantWatch::default() }
    }

    /// The rules the intake was built with, the same as the other use cases'.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Accepts only events of `mode` (`None` accepts both). A test endpoint's secret left in
    /// the list of a live endpoint would otherwise let test events change live plans.
    #[must_use]
    pub fn expecting_mode(mut self, mode: Option<StripeMode>) -> Self {
        self.expected_mode = mode;
        self
    }

    /// Calls `watch` for each delivery that names another organization than the owner of its
    /// Stripe customer; the delivery is recorded for the owner.
    #[must_use]
    pub fn on_tenant_disagreement(mut self, watch: impl Fn(&TenantDisagreement) + Send + Sync + 'static) -> Self {
        self.tenants = TenantWatch::new(watch);
        self
    }

    /// Records the delivery once, for the organization owning its Stripe customer if any, else
    /// the one it names, else none (the worker resolves it later). Nothing is created here.
    /// A delivery of the other mode is recorded as ignored. Only a durable record may be
    /// acknowledged.
    ///
    /// # Errors
    /// [`IntakeError`] when storage is unavailable; nothing is acknowledged then.
    pub async fn record(&self, delivery: VerifiedDelivery) -> Result<IntakeOutcome, IntakeError> {
        let received = StripeMode::of(delivery.livemode);
        if let Some(expected) = self.expected_mode.filter(|m| *m != received) {
            // The organization is not looked up: an object of the other mode belongs to no
            // customer of this one, and the event must not count as a tenant disagreement.
            let event = self.new_event(delivery, None, Some(mode_mismatch(expected, received)));
            return Ok(match self.ledger.record(&event).await? {
                RecordOutcome::Recorded => IntakeOutcome::IgnoredForMode { expected, received },
                RecordOutcome::Duplicate => IntakeOutcome::Duplicate,
            });
        }
        let org_id = self.resolve_org(&delivery).await?;
        let event = self.new_event(delivery, org_id, None);
        Ok(self.ledger.record(&event).await?.into())
    }

    fn new_event(&self, delivery: VerifiedDelivery, org_id: Option<OrgId>, set_aside: Option<String>) -> NewEvent {
        NewEvent {
            id: delivery.id,
            event_type: delivery.event_type,
            created: delivery.created,
            api_version: delivery.api_version,
            livemode: delivery.livemode,
            org_id,
            payload: delivery.payload,
            verified_by: delivery.verified_by,
            received_at: self.clock.now(),
            set_aside,
        }
    }

    /// The organization to record a delivery for, in the event processor's precedence: the owner
    /// of its Stripe customer first, because the organization an event names is chosen outside
    /// our control (a Payment Link buyer sets `client_reference_id`) and must never take a
    /// customer from its owner; then the named one. The processor's last resort, the owner of the
    /// subscription, needs the decoded event, so the worker applies it to events recorded here
    /// without an organization.
    async fn resolve_org(&self, delivery: &VerifiedDelivery) -> Result<Option<OrgId>, IntakeError> {
        let event = (&delivery.id, delivery.event_type.as_str());
        Ok(self.tenants.owner_first(self.repo.as_ref(), event, delivery.customer.as_ref(), delivery.org_hint.clone()).await?)
    }
}
