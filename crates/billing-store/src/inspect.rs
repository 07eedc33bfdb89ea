//! Read-only views beyond the ports, for operators and for the contract tests.

use async_trait::async_trait;
use billing_core::ids::StripeEventId;
use billing_core::ports::LedgerError;
use chrono::{DateTime, Utc};

use crate::db::QueryExt;
use crate::dialect::Dialect;
use crate::error::ledger_error;
use crate::reads::row_counts_in;
use crate::rows::event_audit_record;
use crate::sql::EVENT_HISTORY;
use crate::store::SqlStore;

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

/// Inspection queries every store answers the same way.
#[async_trait]
pub trait StoreInspection: Send + Sync + 'static {
    /// Operator actions on one event, oldest first.
    async fn event_history(&self, id: &StripeEventId) -> Result<Vec<EventAuditRecord>, LedgerError>;
    async fn row_counts(&self) -> Result<RowCounts, LedgerError>;
}

#[async_trait]
impl<D: Dialect> StoreInspection for SqlStore<D> {
    async fn event_history(&self, id: &StripeEventId) -> Result<Vec<EventAuditRecord>, LedgerError> {
        let query = D::query(EVENT_HISTORY).arg(id.as_str());
        let rows = query.fetch_all_on(&mut *self.read_conn().await?).await.map_err(ledger_error)?;
        rows.iter().map(|r| Ok(event_audit_record::<D>(r, id)?)).collect()
    }

    async fn row_counts(&self) -> Result<RowCounts, LedgerError> {
        row_counts_in::<D>(&mut *self.read_conn().await?).await
    }
}
