//! Read-only views beyond the ports, for operators and for the contract tests.

use async_trait::async_trait;
use billing_core::ids::StripeEventId;
use billing_core::ports::LedgerError;
use chrono::{DateTime, Utc};

/// An operator action on a ledger event, such as a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventAuditRecord {
    pub event_id: StripeEventId,
    pub action: String,
    pub actor: String,
    /// The status the event left.
    pub from_status: String,
    pub at: DateTime<Utc>,
}

/// How many rows each table holds, to prove that a rolled-back write left nothing behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    pub organizations: u64,
    pub webhook_events: u64,
    pub transitions: u64,
    pub outbox: u64,
    pub event_audit: u64,
}

/// Inspection queries both stores answer the same way.
#[async_trait]
pub trait StoreInspection: Send + Sync + 'static {
    /// Operator actions on one event, oldest first.
    async fn event_history(&self, id: &StripeEventId) -> Result<Vec<EventAuditRecord>, LedgerError>;
    async fn row_counts(&self) -> Result<RowCounts, LedgerError>;
}
