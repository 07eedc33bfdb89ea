//! The webhook-ledger port: every verified Stripe event, recorded once and processed to an end.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::repository::EventDisposition;
use crate::ids::{OrgId, StripeEventId};

/// Where an event is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventStatus {
    Received,
    Processing,
    Processed,
    Ignored,
    Stale,
    /// Failed and waiting for `next_attempt_at`.
    Failed,
    /// Gave up after the configured attempts; needs an operator (replay).
    Dead,
}

impl EventStatus {
    pub const ALL: [EventStatus; 7] =
        [Self::Received, Self::Processing, Self::Processed, Self::Ignored, Self::Stale, Self::Failed, Self::Dead];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Processing => "processing",
            Self::Processed => "processed",
            Self::Ignored => "ignored",
            Self::Stale => "stale",
            Self::Failed => "failed",
            Self::Dead => "dead",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn from_disposition(d: EventDisposition) -> Self {
        match d {
            EventDisposition::Processed => Self::Processed,
            EventDisposition::Ignored => Self::Ignored,
            EventDisposition::Stale => Self::Stale,
        }
    }
}

/// A status name that is not one of [`EventStatus::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event status {0:?}; expected received, processing, processed, ignored, stale, failed or dead")]
pub struct UnknownEventStatus(pub String);

impl std::str::FromStr for EventStatus {
    type Err = UnknownEventStatus;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw).ok_or_else(|| UnknownEventStatus(raw.to_owned()))
    }
}

/// A verified event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub id: StripeEventId,
    pub event_type: String,
    /// Stripe's `created`.
    pub created: DateTime<Utc>,
    pub api_version: Option<String>,
    pub livemode: bool,
    pub org_id: Option<OrgId>,
    /// The raw body exactly as received.
    pub payload: Vec<u8>,
    /// Which configured secret verified it (its position in the list), for rotation telemetry.
    pub verified_by: Option<u32>,
    pub received_at: DateTime<Utc>,
    /// Why the event must never be processed, if so: it is recorded already finished as
    /// [`EventStatus::Ignored`] with this reason as its last error, so operators see it and may
    /// replay it, but no worker claims it.
    pub set_aside: Option<String>,
}

/// Whether recording stored a new event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    Recorded,
    /// The id was already recorded; nothing changed.
    Duplicate,
}

/// Whether a worker may apply an event whose organization it has just learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    /// The event is the organization's only one in flight and its oldest unfinished one: apply it.
    Proceed,
    /// Another event of the organization is leased, or an older one is unfinished. The event was
    /// handed back, due again at once, and the claim order decides when it runs.
    HandedBack,
}

/// An event leased to one worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedEvent {
    pub id: StripeEventId,
    pub event_type: String,
    pub created: DateTime<Utc>,
    pub org_id: Option<OrgId>,
    pub payload: Vec<u8>,
    /// Attempts before this one.
    pub attempts: u32,
    /// How many earlier holders' leases ran out before they finished it (a crash or a stall).
    pub lease_expiries: u32,
    /// When the event was recorded; how long it is retried is counted from here.
    pub received_at: DateTime<Utc>,
    pub holder: String,
    pub lease_until: DateTime<Utc>,
}

/// A ledger row, for monitoring and operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: StripeEventId,
    pub event_type: String,
    pub created: DateTime<Utc>,
    pub org_id: Option<OrgId>,
    pub status: EventStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub verified_by: Option<u32>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// A ledger row with the payload it was recorded with, for reports that read the events' content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPayload {
    pub entry: LedgerEntry,
    /// The raw body exactly as received.
    pub payload: Vec<u8>,
}

/// Which ledger rows to list; every set field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFilter {
    pub status: Option<EventStatus>,
    pub event_type: Option<String>,
    pub org_id: Option<OrgId>,
    /// Received at or after.
    pub since: Option<DateTime<Utc>>,
    /// Only events whose processing took longer than this after receipt.
    pub slower_than: Option<Duration>,
    pub limit: u32,
}

/// Why a ledger call failed. Business variants first.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("event {0} not found")]
    NotFound(StripeEventId),
    /// The event is no longer leased by this worker (the lease expired and was reclaimed).
    #[error("lease on event {0} was lost")]
    LeaseLost(StripeEventId),
    /// Replay of an event that is still queued or in flight.
    #[error("event {0} cannot be replayed in its current status")]
    NotReplayable(StripeEventId),
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// The webhook ledger. Implementations must keep every guarantee across processes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookLedger: Send + Sync + 'static {
    /// Records an event once; a known id answers [`RecordOutcome::Duplicate`] and changes nothing.
    /// An event with a `set_aside` reason is recorded as ignored, never due.
    async fn record(&self, event: &NewEvent) -> Result<RecordOutcome, LedgerError>;
    /// Records many events with one durable commit, answering for each in order as
    /// [`Self::record`] would: of several copies of one id, only the first can be `Recorded`.
    /// Concurrent calls with overlapping ids record each id exactly once.
    async fn record_many(&self, events: &[NewEvent]) -> Result<Vec<RecordOutcome>, LedgerError>;
    /// Leases up to `limit` due events (received, failed past `next_attempt_at`, or with an
    /// expired lease) to `holder` until `now + lease`.
    ///
    /// MUST never lease two events of the same organization at once, and MUST hand out each
    /// organization's events oldest Stripe `created` first.
    async fn claim_due(&self, holder: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> Result<Vec<ClaimedEvent>, LedgerError>;
    /// Finishes an event that needed no state change.
    async fn complete(
        &self,
        id: &StripeEventId,
        holder: &str,
        disposition: EventDisposition,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError>;
    /// Records a failed attempt and when to try again.
    async fn fail(&self, id: &StripeEventId, holder: &str, error: &str, next_attempt_at: DateTime<Utc>) -> Result<(), LedgerError>;
    /// Gives up on an event.
    async fn dead_letter(&self, id: &StripeEventId, holder: &str, error: &str, now: DateTime<Utc>) -> Result<(), LedgerError>;
    /// Finishes an event as [`EventStatus::Ignored`] without applying it, keeping `reason` as its
    /// last error so an operator sees why (and may replay it like any ignored event).
    async fn ignore(&self, id: &StripeEventId, holder: &str, reason: &str, now: DateTime<Utc>) -> Result<(), LedgerError>;
    /// Returns a leased event unprocessed (on shutdown), due again at once.
    async fn release(&self, id: &StripeEventId, holder: &str) -> Result<(), LedgerError>;
    /// Sets the organization of event `id`, leased by `holder`, once it is known.
    ///
    /// MUST answer [`Assignment::HandedBack`], and hand the event back as [`Self::release`]
    /// does, when another event of `org` is leased (a lease live at `now`) or an older event of
    /// it is unfinished; an organization learned late must not break the exclusivity and order
    /// [`Self::claim_due`] promises. Errors as the other leased updates when `holder` no longer
    /// holds the event.
    async fn assign_org(&self, id: &StripeEventId, holder: &str, org: &OrgId, now: DateTime<Utc>) -> Result<Assignment, LedgerError>;
    /// Moves a finished or dead event back to due and writes an audit note.
    async fn replay(&self, id: &StripeEventId, actor: &str, now: DateTime<Utc>) -> Result<(), LedgerError>;
    async fn get(&self, id: &StripeEventId) -> Result<Option<LedgerEntry>, LedgerError>;
    async fn list(&self, filter: &LedgerFilter) -> Result<Vec<LedgerEntry>, LedgerError>;
    /// Event ids stored more than once; the unique constraint keeps this empty.
    async fn duplicate_ids(&self) -> Result<Vec<StripeEventId>, LedgerError>;
    /// Events not yet finished (received, processing, failed).
    async fn backlog(&self) -> Result<u64, LedgerError>;
    /// Records events an operator fetched from Stripe's API, each as [`Self::record`] would,
    /// answering for each in order, and writes an audit note naming `actor` (action `recover`)
    /// for each one recorded, all in one transaction: either the page and its notes are kept,
    /// or nothing is.
    async fn record_recovered(&self, events: &[NewEvent], actor: &str, now: DateTime<Utc>) -> Result<Vec<RecordOutcome>, LedgerError>;
    /// What [`Self::list`] returns for `filter`, each row with its payload.
    async fn list_payloads(&self, filter: &LedgerFilter) -> Result<Vec<LedgerPayload>, LedgerError>;
}
