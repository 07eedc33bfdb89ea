//! The webhook-ledger port on Postgres, except claiming (see `claim`).

use async_trait::async_trait;
use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{
    Assignment, ClaimedEvent, EventDisposition, EventStatus, LedgerEntry, LedgerError, LedgerFilter, NewEvent, RecordOutcome, WebhookLedger,
};
use billing_store::sql::{
    BACKLOG, DEAD_LETTER_EVENT, DUPLICATE_IDS, FAIL_EVENT, FINISH_EVENT, GET_EVENT, IGNORE_EVENT, RECORD_EVENT, RELEASE_EVENT,
};
use billing_store::{
    count_in, decode_ledger_entry, event_ids_in, first_of_each_id, lease_lost_or_not_found, ledger_error, record_outcomes, replay_in,
    settle, truncate_error, RecordedAs, Unreachable, DEFAULT_LIST_LIMIT, LEDGER_COLUMNS,
};
use chrono::{DateTime, Duration, Utc};
use sqlx::{QueryBuilder, Row};

use crate::rows::{ledger_row, PgQuery};
use crate::PostgresStore;

impl PostgresStore {
    /// Runs a lease-guarded update; no row means the holder lost the lease or the event is unknown.
    async fn leased_update(&self, id: &StripeEventId, query: PgQuery<'_>) -> Result<(), LedgerError> {
        let mut conn = self.conn().await?;
        match query.fetch_optional(&mut *conn).await.map_err(ledger_error)? {
            Some(_) => Ok(()),
            None => Err(lease_lost_or_not_found::<sqlx::Postgres>(&mut conn, id).await),
        }
    }
}

#[async_trait]
impl WebhookLedger for PostgresStore {
    async fn record(&self, event: &NewEvent) -> Result<RecordOutcome, LedgerError> {
        // Secret positions are tiny list indexes; saturating keeps the column type simple.
        let verified_by = event.verified_by.map(|v| i32::try_from(v).unwrap_or(i32::MAX));
        let stored = RecordedAs::of(event);
        let done = sqlx::query(RECORD_EVENT)
            .bind(event.id.as_str())
            .bind(&event.event_type)
            .bind(event.created)
            .bind(event.api_version.as_deref())
            .bind(event.livemode)
            .bind(event.org_id.as_ref().map(OrgId::as_str))
            .bind(&event.payload)
            .bind(verified_by)
            .bind(event.received_at)
            .bind(stored.status)
            .bind(stored.last_error)
            .bind(stored.processed_at)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(ledger_error)?;
        Ok(if done.rows_affected() == 1 { RecordOutcome::Recorded } else { RecordOutcome::Duplicate })
    }

    async fn record_many(&self, events: &[NewEvent]) -> Result<Vec<RecordOutcome>, LedgerError> {
        let unique = first_of_each_id(events);
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let rows = crate::record::insert_many(&unique).fetch_all(&mut *self.conn().await?).await.map_err(ledger_error)?;
        let stored = rows.iter().map(|r| r.try_get::<String, _>("event_id")).collect::<Result<_, _>>().map_err(ledger_error)?;
        Ok(record_outcomes(events, stored))
    }

    async fn claim_due(&self, holder: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> Result<Vec<ClaimedEvent>, LedgerError> {
        crate::claim::claim_due(&self.pool, holder, now, lease, limit).await
    }

    async fn complete(
        &self,
        id: &StripeEventId,
        holder: &str,
        disposition: EventDisposition,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        let status = EventStatus::from_disposition(disposition).as_str();
        self.leased_update(id, sqlx::query(FINISH_EVENT).bind(id.as_str()).bind(holder).bind(status).bind(now)).await
    }

    async fn fail(&self, id: &StripeEventId, holder: &str, error: &str, next_attempt_at: DateTime<Utc>) -> Result<(), LedgerError> {
        let query = sqlx::query(FAIL_EVENT).bind(id.as_str()).bind(holder).bind(next_attempt_at).bind(truncate_error(error));
        self.leased_update(id, query).await
    }

    async fn dead_letter(&self, id: &StripeEventId, holder: &str, error: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        self.leased_update(id, sqlx::query(DEAD_LETTER_EVENT).bind(id.as_str()).bind(holder).bind(now).bind(truncate_error(error))).await
    }

    async fn ignore(&self, id: &StripeEventId, holder: &str, reason: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        self.leased_update(id, sqlx::query(IGNORE_EVENT).bind(id.as_str()).bind(holder).bind(now).bind(truncate_error(reason))).await
    }

    async fn release(&self, id: &StripeEventId, holder: &str) -> Result<(), LedgerError> {
        self.leased_update(id, sqlx::query(RELEASE_EVENT).bind(id.as_str()).bind(holder)).await
    }

    async fn assign_org(&self, id: &StripeEventId, holder: &str, org: &OrgId, now: DateTime<Utc>) -> Result<Assignment, LedgerError> {
        crate::claim::assign_org(&self.pool, id, holder, org, now).await
    }

    async fn replay(&self, id: &StripeEventId, actor: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        let mut tx = self.pool.begin_with(crate::BEGIN).await.map_err(Unreachable)?;
        let result =
            replay_in::<sqlx::Postgres, _>(&mut tx, "SELECT status FROM webhook_events WHERE event_id = $1 FOR UPDATE", id, actor, now)
                .await;
        settle(tx, result, ledger_error).await
    }

    async fn get(&self, id: &StripeEventId) -> Result<Option<LedgerEntry>, LedgerError> {
        let row = sqlx::query(&GET_EVENT).bind(id.as_str()).fetch_optional(&mut *self.conn().await?).await.map_err(ledger_error)?;
        row.map(|r| Ok(decode_ledger_entry(ledger_row(&r).map_err(ledger_error)?)?)).transpose()
    }

    async fn list(&self, filter: &LedgerFilter) -> Result<Vec<LedgerEntry>, LedgerError> {
        let mut q = QueryBuilder::new(format!("SELECT {LEDGER_COLUMNS} FROM webhook_events WHERE TRUE"));
        if let Some(status) = filter.status {
            q.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(event_type) = &filter.event_type {
            q.push(" AND event_type = ").push_bind(event_type.as_str());
        }
        if let Some(org) = &filter.org_id {
            q.push(" AND org_id = ").push_bind(org.as_str());
        }
        if let Some(since) = filter.since {
            q.push(" AND received_at >= ").push_bind(since);
        }
        if let Some(slower) = filter.slower_than {
            let micros = slower.num_microseconds().unwrap_or(i64::MAX);
            q.push(" AND processed_at - received_at > ").push_bind(micros).push(" * interval '1 microsecond'");
        }
        let limit = if filter.limit == 0 { DEFAULT_LIST_LIMIT } else { filter.limit };
        q.push(" ORDER BY received_at DESC, event_id DESC LIMIT ").push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&mut *self.conn().await?).await.map_err(ledger_error)?;
        rows.iter().map(|r| Ok(decode_ledger_entry(ledger_row(r).map_err(ledger_error)?)?)).collect()
    }

    async fn duplicate_ids(&self) -> Result<Vec<StripeEventId>, LedgerError> {
        event_ids_in::<sqlx::Postgres>(&mut *self.conn().await?, DUPLICATE_IDS).await
    }

    async fn backlog(&self) -> Result<u64, LedgerError> {
        count_in::<sqlx::Postgres>(&mut *self.conn().await?, BACKLOG).await.map_err(ledger_error)
    }
}
