//! The webhook-ledger port, once for every dialect; claiming and batch recording are the
//! dialect's ([`Dialect::claim`], [`Dialect::record_events`]).

use async_trait::async_trait;
use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{
    Assignment, ClaimedEvent, EventDisposition, EventStatus, LedgerEntry, LedgerError, LedgerFilter, LedgerPayload, NewEvent,
    RecordOutcome, WebhookLedger,
};
use chrono::{DateTime, Duration, Utc};

use crate::db::{DbQuery, QueryExt, RowExt};
use crate::dialect::Dialect;
use crate::error::ledger_error;
use crate::guarded::{assign_in, lease_lost_or_not_found, replay_in};
use crate::ledger::{decode_ledger_entry, first_of_each_id, record_outcomes, truncate_error};
use crate::list::list_statement;
use crate::reads::{count_in, event_ids_in};
use crate::recovery::record_statement;
use crate::rows::ledger_row;
use crate::sql::{BACKLOG, DEAD_LETTER_EVENT, DUPLICATE_IDS, FAIL_EVENT, FINISH_EVENT, GET_EVENT, IGNORE_EVENT, RELEASE_EVENT};
use crate::store::SqlStore;
use crate::transaction::settle;

impl<D: Dialect> SqlStore<D> {
    /// Runs a lease-guarded update; no row means the holder lost the lease or the event is unknown.
    async fn leased_update(&self, id: &StripeEventId, query: DbQuery<'_, D::Db>) -> Result<(), LedgerError> {
        let mut conn = self.write_conn().await?;
        match query.fetch_optional_on(&mut conn).await.map_err(ledger_error)? {
            Some(_) => Ok(()),
            None => Err(lease_lost_or_not_found::<D>(&mut conn, id).await),
        }
    }
}

#[async_trait]
impl<D: Dialect> WebhookLedger for SqlStore<D> {
    async fn record(&self, event: &NewEvent) -> Result<RecordOutcome, LedgerError> {
        let inserted = record_statement::<D>(event).fetch_optional_on(&mut *self.write_conn().await?).await.map_err(ledger_error)?;
        Ok(if inserted.is_some() { RecordOutcome::Recorded } else { RecordOutcome::Duplicate })
    }

    async fn record_many(&self, events: &[NewEvent]) -> Result<Vec<RecordOutcome>, LedgerError> {
        let unique = first_of_each_id(events);
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let stored = D::record_events(self, &unique).await?;
        Ok(record_outcomes(events, stored))
    }

    async fn claim_due(&self, holder: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> Result<Vec<ClaimedEvent>, LedgerError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut claimed = D::claim(self, holder, now, now + lease, limit).await?;
        claimed.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        Ok(claimed)
    }

    async fn complete(
        &self,
        id: &StripeEventId,
        holder: &str,
        disposition: EventDisposition,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        let status = EventStatus::from_disposition(disposition).as_str();
        self.leased_update(id, D::query(FINISH_EVENT).arg(id.as_str()).arg(holder).arg(status).arg(D::time(now))).await
    }

    async fn fail(&self, id: &StripeEventId, holder: &str, error: &str, next_attempt_at: DateTime<Utc>) -> Result<(), LedgerError> {
        let query = D::query(FAIL_EVENT).arg(id.as_str()).arg(holder).arg(D::time(next_attempt_at)).arg(truncate_error(error));
        self.leased_update(id, query).await
    }

    async fn dead_letter(&self, id: &StripeEventId, holder: &str, error: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        let query = D::query(DEAD_LETTER_EVENT).arg(id.as_str()).arg(holder).arg(D::time(now)).arg(truncate_error(error));
        self.leased_update(id, query).await
    }

    async fn ignore(&self, id: &StripeEventId, holder: &str, reason: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        let query = D::query(IGNORE_EVENT).arg(id.as_str()).arg(holder).arg(D::time(now)).arg(truncate_error(reason));
        self.leased_update(id, query).await
    }

    async fn release(&self, id: &StripeEventId, holder: &str) -> Result<(), LedgerError> {
        self.leased_update(id, D::query(RELEASE_EVENT).arg(id.as_str()).arg(holder)).await
    }

    async fn assign_org(&self, id: &StripeEventId, holder: &str, org: &OrgId, now: DateTime<Utc>) -> Result<Assignment, LedgerError> {
        let mut tx = self.begin_write().await?;
        let result = match D::lock_org(&mut tx, org).await {
            Ok(()) => assign_in::<D>(&mut tx, id, holder, org, now).await,
            Err(e) => Err(e),
        };
        settle(tx, result, ledger_error).await
    }

    async fn replay(&self, id: &StripeEventId, actor: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        let mut tx = self.begin_write().await?;
        let result = replay_in::<D>(&mut tx, id, actor, now).await;
        settle(tx, result, ledger_error).await
    }

    async fn get(&self, id: &StripeEventId) -> Result<Option<LedgerEntry>, LedgerError> {
        let row = D::query(&GET_EVENT).arg(id.as_str()).fetch_optional_on(&mut *self.read_conn().await?).await.map_err(ledger_error)?;
        row.map(|r| Ok(decode_ledger_entry(ledger_row::<D>(&r)?)?)).transpose()
    }

    async fn list(&self, filter: &LedgerFilter) -> Result<Vec<LedgerEntry>, LedgerError> {
        let (sql, args) = list_statement::<D>(filter, false);
        let rows = args.bind::<D>(D::query(&sql)).fetch_all_on(&mut *self.read_conn().await?).await.map_err(ledger_error)?;
        rows.iter().map(|r| Ok(decode_ledger_entry(ledger_row::<D>(r)?)?)).collect()
    }

    async fn duplicate_ids(&self) -> Result<Vec<StripeEventId>, LedgerError> {
        event_ids_in::<D>(&mut *self.read_conn().await?, DUPLICATE_IDS).await
    }

    async fn backlog(&self) -> Result<u64, LedgerError> {
        count_in::<D>(&mut *self.read_conn().await?, BACKLOG).await.map_err(ledger_error)
    }

    async fn record_recovered(&self, events: &[NewEvent], actor: &str, now: DateTime<Utc>) -> Result<Vec<RecordOutcome>, LedgerError> {
        self.write_recovered(events, actor, now).await
    }

    async fn list_payloads(&self, filter: &LedgerFilter) -> Result<Vec<LedgerPayload>, LedgerError> {
        let (sql, args) = list_statement::<D>(filter, true);
        let rows = args.bind::<D>(D::query(&sql)).fetch_all_on(&mut *self.read_conn().await?).await.map_err(ledger_error)?;
        rows.iter()
            .map(|r| {
                Ok(LedgerPayload { entry: decode_ledger_entry(ledger_row::<D>(r)?)?, payload: r.value("payload").map_err(ledger_error)? })
            })
            .collect()
    }
}
