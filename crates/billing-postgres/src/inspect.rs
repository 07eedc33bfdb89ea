//! Inspection queries on Postgres: replay history and table sizes.

use async_trait::async_trait;
use billing_core::ids::StripeEventId;
use billing_core::ports::LedgerError;
use billing_store::sql::EVENT_HISTORY;
use billing_store::{ledger_error, row_counts_in, EventAuditRecord, RowCounts, StoreInspection};
use sqlx::Row;

use crate::PostgresStore;

#[async_trait]
impl StoreInspection for PostgresStore {
    async fn event_history(&self, id: &StripeEventId) -> Result<Vec<EventAuditRecord>, LedgerError> {
        let rows = sqlx::query(EVENT_HISTORY).bind(id.as_str()).fetch_all(&mut *self.conn().await?).await.map_err(ledger_error)?;
        rows.iter()
            .map(|r| {
                Ok(EventAuditRecord {
                    event_id: id.clone(),
                    action: r.try_get("action").map_err(ledger_error)?,
                    actor: r.try_get("actor").map_err(ledger_error)?,
                    from_status: r.try_get("from_status").map_err(ledger_error)?,
                    at: r.try_get("at").map_err(ledger_error)?,
                })
            })
            .collect()
    }

    async fn row_counts(&self) -> Result<RowCounts, LedgerError> {
        row_counts_in::<sqlx::Postgres>(&mut *self.conn().await?).await
    }
}
