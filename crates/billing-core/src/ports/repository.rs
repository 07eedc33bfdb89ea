//! The billing-repository port: organizations' billing state, audit trail and notification outbox.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::ledger::EventStatus;
use crate::effect::AuditEntry;
use crate::ids::{InstallationId, OrgId, PlanId, StripeCustomerId, StripeEventId, StripeSubscriptionId};
use crate::notice::Notice;
use crate::state::BillingState;

/// How a webhook event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventDisposition {
    /// It changed (or confirmed) the state.
    Processed,
    /// Its type or content does not concern billing state.
    Ignored,
    /// It was older than what we already applied.
    Stale,
}

/// Marks a ledger event finished in the same transaction as the state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDone {
    pub event_id: StripeEventId,
    /// The worker holding the lease; the commit fails if the lease was lost.
    pub holder: String,
    pub disposition: EventDisposition,
}

/// Everything one decision writes, atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The new state; its `version()` is the version it was loaded at (the expected version).
    pub state: BillingState,
    pub audit: Vec<AuditEntry>,
    pub notices: Vec<Notice>,
    pub event: Option<EventDone>,
    /// When the next timer of this organization falls due, for the timer scan.
    pub next_timer_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// One write of a batch: a decision, or an event finished without a state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchWrite {
    Commit(Box<Commit>),
    Finish { done: EventDone, at: DateTime<Utc> },
}

/// A notice waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub org_id: OrgId,
    pub notice: Notice,
    pub attempts: u32,
}

/// An outbox row that does not read back as a notice: written by a newer version, or edited by
/// hand. It can never be delivered as it is, so it is dead-lettered rather than left to fail
/// every claim it is part of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndecodableNotice {
    pub id: i64,
    /// What the store could not read, for the operator.
    pub reason: String,
}

/// The notices one claim leased: those to deliver, and those that cannot be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxClaim {
    pub items: Vec<OutboxItem>,
    pub undecodable: Vec<UndecodableNotice>,
}

/// How an organization's state disagrees with the events the ledger says were applied to it
/// (EC-14: an event marked processed whose change the state does not show). Each kind is a
/// guarantee of the commit (state and event status are written in one transaction), so any
/// finding means a row was changed by hand or a bug slipped through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InconsistencyKind {
    /// A processed `customer.subscription.created` or `.updated` event of the organization's
    /// current subscription is newer, in Stripe's `created`, than the organization's watermark
    /// (or the organization has none): applying it would have moved the watermark up to it.
    SnapshotNotApplied,
    /// A processed `customer.subscription.deleted` event of the organization's current
    /// subscription, while the organization is not canceled or incomplete_expired.
    DeletionNotApplied,
    /// The watermark names an event the ledger does not hold as processed: absent, or in
    /// another status (briefly so while an operator replays it).
    WatermarkEventNotProcessed,
}

impl InconsistencyKind {
    pub const ALL: [InconsistencyKind; 3] = [Self::SnapshotNotApplied, Self::DeletionNotApplied, Self::WatermarkEventNotProcessed];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::SnapshotNotApplied => "snapshot_not_applied",
            Self::DeletionNotApplied => "deletion_not_applied",
            Self::WatermarkEventNotProcessed => "watermark_event_not_processed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One disagreement found by [`BillingRepository::consistency_problems`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconsistency {
    pub org_id: OrgId,
    pub kind: InconsistencyKind,
    /// The processed event that the state does not show, or the event the watermark names.
    pub event_id: StripeEventId,
    /// That event's status in the ledger; `None` when the ledger does not hold it.
    pub event_status: Option<EventStatus>,
}

/// Why a repository call failed. Business variants first.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// Someone else saved this organization since it was loaded; reload and decide again.
    #[error("organization {org} changed concurrently (expected version {expected})")]
    VersionConflict { org: OrgId, expected: u64 },
    #[error("organization {0} not found")]
    NotFound(OrgId),
    /// The Stripe customer or subscription already belongs to another organization.
    #[error("Stripe identifier already belongs to another organization")]
    OwnershipConflict,
    /// The ledger event is no longer leased by this worker.
    #[error("lease on event {0} was lost")]
    LeaseLost(StripeEventId),
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Stores billing state. Implementations must keep every guarantee across processes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BillingRepository: Send + Sync + 'static {
    /// Loads the organization, creating it on `free_plan` at version 0 on first reference.
    async fn load_or_create(&self, org: &OrgId, free_plan: &PlanId) -> Result<BillingState, RepositoryError>;
    /// This installation's identity: `candidate` is stored on first call, and every later call,
    /// from any process sharing the database, returns the stored one.
    async fn ensure_installation_id(&self, candidate: &InstallationId) -> Result<InstallationId, RepositoryError>;
    async fn load(&self, org: &OrgId) -> Result<Option<BillingState>, RepositoryError>;
    async fn find_by_customer(&self, customer: &StripeCustomerId) -> Result<Option<OrgId>, RepositoryError>;
    async fn find_by_subscription(&self, subscription: &StripeSubscriptionId) -> Result<Option<OrgId>, RepositoryError>;
    /// Writes a decision atomically: state (if `version` still matches, then bumped by one),
    /// audit rows, outbox rows and the event's final status. Returns the new version.
    ///
    /// # Errors
    /// - MUST return [`RepositoryError::VersionConflict`] and write nothing when the stored
    ///   version differs from `commit.state.version()`.
    /// - MUST return [`RepositoryError::LeaseLost`] and write nothing when `commit.event` names a
    ///   holder that no longer holds the event.
    async fn commit(&self, commit: Commit) -> Result<u64, RepositoryError>;
    /// Writes each item as [`Self::commit`] would (a `Finish` as the ledger's `complete`), all in
    /// one transaction with one durable commit, one savepoint per item: an item that fails (a
    /// version conflict, a lost lease, a bad row) is rolled back alone and its error returned in
    /// its place, and the others commit together. Each item's result stands only if the call
    /// returns `Ok`.
    ///
    /// # Errors
    /// When the transaction as a whole fails; then nothing of the batch was written.
    async fn commit_batch(&self, writes: Vec<BatchWrite>) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError>;
    /// Organizations whose next timer is due at `now`, oldest first.
    async fn due_timers(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OrgId>, RepositoryError>;
    /// Organizations in `past_due`, for monitoring.
    async fn past_due(&self, limit: u32) -> Result<Vec<OrgId>, RepositoryError>;
    /// How many organizations are in `past_due`, for the monitoring gauge.
    async fn past_due_count(&self) -> Result<u64, RepositoryError>;
    /// The newest audit rows of an organization, newest first.
    async fn audit_trail(&self, org: &OrgId, limit: u32) -> Result<Vec<AuditEntry>, RepositoryError>;
    /// Takes up to `limit` undelivered notices that are not dead-lettered, leasing them until
    /// `lease_until`.
    ///
    /// MUST return a row that does not decode in [`OutboxClaim::undecodable`], leased like the
    /// others, rather than fail the claim: one bad row must not hold up every notice behind it.
    async fn claim_outbox(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<OutboxClaim, RepositoryError>;
    async fn outbox_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError>;
    /// Offers undelivered notice `id` again no earlier than `at`: claims skip it until then.
    async fn outbox_retry_at(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError>;
    /// Gives up on undelivered notice `id` at `at`: claims never offer it again, and `reason`
    /// stays with the row for the operator.
    async fn outbox_dead_letter(&self, id: i64, reason: &str, at: DateTime<Utc>) -> Result<(), RepositoryError>;
    /// Up to `limit` organizations with a live subscription (any status but none, canceled and
    /// incomplete_expired), by id, starting after `after`: keyset pages that stay correct
    /// while organizations are added or change status between pages.
    async fn paid_orgs(&self, after: Option<OrgId>, limit: u32) -> Result<Vec<OrgId>, RepositoryError>;
    /// Up to `limit` disagreements between organizations and their processed events (see
    /// [`InconsistencyKind`]), by organization, kind and event id.
    async fn consistency_problems(&self, limit: u32) -> Result<Vec<Inconsistency>, RepositoryError>;
}
