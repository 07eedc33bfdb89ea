//! The repository port on Postgres: loading organizations, monitoring reads and the outbox.

use std::sync::LazyLock;

use async_trait::async_trait;
use billing_core::effect::AuditEntry;
use billing_core::ids::{InstallationId, OrgId, PlanId, StripeCustomerId, StripeSubscriptionId};
use billing_core::ports::{BatchWrite, BillingRepository, Commit, OutboxClaim, OutboxItem, RepositoryError};
use billing_core::BillingState;
use billing_store::sql::{
    AUDIT_TRAIL, DUE_TIMERS, ORG_BY_CUSTOMER, ORG_BY_SUBSCRIPTION, OUTBOX_CLAIMABLE, OUTBOX_DEAD_LETTER, OUTBOX_DELIVERED, OUTBOX_RETRY_AT,
    PAST_DUE, PAST_DUE_COUNT, SELECT_STATE,
};
use billing_store::{
    count_in, decode_audit, decode_notice, decode_state, encode_state, ensure_installation_in, org_by_key_in, org_of, repository_error,
    settle, sort_claimed_outbox, state_placeholders, state_select_list, truncate_error, CodecError, Unreachable, STATE_COLUMNS,
};
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::rows::{audit_row, bind_state, state_row};
use crate::PostgresStore;

/// `$1` org, `$2` version, then the state columns; the row comes back only if this call made it.
static INSERT_STATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO organizations (org_id, version, {}, created_at, updated_at) VALUES ($1, $2, {}, now(), now()) \
         ON CONFLICT (org_id) DO NOTHING RETURNING {}",
        STATE_COLUMNS.join(", "),
        state_placeholders(3),
        state_select_list()
    )
});

/// Leases up to `$3` claimable notices at `$1` until `$2`. SKIP LOCKED lets several notifiers
/// drain the outbox without waiting on each other.
static CLAIM_OUTBOX: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE notification_outbox o SET lease_until = $2, attempts = o.attempts + 1 \
         WHERE o.id IN (SELECT id FROM notification_outbox WHERE {OUTBOX_CLAIMABLE} ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING o.id, o.org_id, o.notice::text AS notice, o.attempts - 1 AS attempts_before"
    )
});

impl PostgresStore {
    async fn select_state(&self, org: &OrgId) -> Result<Option<BillingState>, RepositoryError> {
        let row = sqlx::query(&SELECT_STATE).bind(org.as_str()).fetch_optional(&mut *self.conn().await?).await.map_err(repository_error)?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(decode_state(state_row(&r).map_err(repository_error)?)?)),
        }
    }

    async fn org_list(
        &self,
        query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<Vec<OrgId>, RepositoryError> {
        let rows = query.fetch_all(&mut *self.conn().await?).await.map_err(repository_error)?;
        rows.iter().map(org_of).collect()
    }
}

#[async_trait]
impl BillingRepository for PostgresStore {
    async fn load_or_create(&self, org: &OrgId, free_plan: &PlanId) -> Result<BillingState, RepositoryError> {
        // Reading first keeps the common case (an existing organization) free of writes.
        if let Some(state) = self.select_state(org).await? {
            return Ok(state);
        }
        let fresh = encode_state(&BillingState::new(org.clone(), free_plan.clone()));
        let insert = sqlx::query(&INSERT_STATE).bind(org.as_str()).bind(fresh.version);
        if let Some(row) = bind_state(insert, &fresh).fetch_optional(&mut *self.conn().await?).await.map_err(repository_error)? {
            return Ok(decode_state(state_row(&row).map_err(repository_error)?)?);
        }
        // Another instance created it first; its row is the answer.
        self.select_state(org).await?.ok_or_else(|| RepositoryError::NotFound(org.clone()))
    }

    async fn ensure_installation_id(&self, candidate: &InstallationId) -> Result<InstallationId, RepositoryError> {
        // Under REPEATABLE READ an insert that finds a row committed after its snapshot fails to
        // serialize instead of doing nothing, so racing first calls would fail; the store's own
        // READ COMMITTED transaction keeps them independent of the database's default.
        let mut tx = self.pool.begin_with(crate::BEGIN).await.map_err(Unreachable)?;
        let result = ensure_installation_in::<sqlx::Postgres, _>(&mut tx, candidate, Utc::now()).await;
        settle(tx, result, repository_error).await
    }

    async fn load(&self, org: &OrgId) -> Result<Option<BillingState>, RepositoryError> {
        self.select_state(org).await
    }

    async fn find_by_customer(&self, customer: &StripeCustomerId) -> Result<Option<OrgId>, RepositoryError> {
        org_by_key_in::<sqlx::Postgres>(&mut *self.conn().await?, ORG_BY_CUSTOMER, customer.as_str()).await
    }

    async fn find_by_subscription(&self, subscription: &StripeSubscriptionId) -> Result<Option<OrgId>, RepositoryError> {
        org_by_key_in::<sqlx::Postgres>(&mut *self.conn().await?, ORG_BY_SUBSCRIPTION, subscription.as_str()).await
    }

    async fn commit(&self, commit: Commit) -> Result<u64, RepositoryError> {
        crate::commit::commit(&self.pool, commit).await
    }

    async fn commit_batch(&self, writes: Vec<BatchWrite>) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError> {
        crate::commit::commit_batch(&self.pool, writes).await
    }

    async fn due_timers(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
        self.org_list(sqlx::query(DUE_TIMERS).bind(now).bind(i64::from(limit))).await
    }

    async fn past_due(&self, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
        self.org_list(sqlx::query(PAST_DUE).bind(i64::from(limit))).await
    }

    async fn past_due_count(&self) -> Result<u64, RepositoryError> {
        count_in::<sqlx::Postgres>(&mut *self.conn().await?, PAST_DUE_COUNT).await.map_err(repository_error)
    }

    async fn audit_trail(&self, org: &OrgId, limit: u32) -> Result<Vec<AuditEntry>, RepositoryError> {
        let rows = sqlx::query(&AUDIT_TRAIL)
            .bind(org.as_str())
            .bind(i64::from(limit))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(repository_error)?;
        rows.iter().map(|r| Ok(decode_audit(audit_row(r).map_err(repository_error)?)?)).collect()
    }

    async fn claim_outbox(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<OutboxClaim, RepositoryError> {
        let rows = sqlx::query(&CLAIM_OUTBOX)
            .bind(now)
            .bind(lease_until)
            .bind(i64::from(limit))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(repository_error)?;
        sort_claimed_outbox(&rows, |r| r.try_get("id").map_err(repository_error), outbox_item)
    }

    async fn outbox_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        let done = sqlx::query(OUTBOX_DELIVERED).bind(id).bind(at).execute(&mut *self.conn().await?).await.map_err(repository_error)?;
        if done.rows_affected() == 0 {
            return Err(RepositoryError::Unknown(anyhow::anyhow!("outbox item {id} does not exist")));
        }
        Ok(())
    }

    async fn outbox_retry_at(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        sqlx::query(OUTBOX_RETRY_AT).bind(id).bind(at).execute(&mut *self.conn().await?).await.map_err(repository_error)?;
        Ok(())
    }

    async fn outbox_dead_letter(&self, id: i64, reason: &str, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        let query = sqlx::query(OUTBOX_DEAD_LETTER).bind(id).bind(at).bind(truncate_error(reason));
        query.execute(&mut *self.conn().await?).await.map_err(repository_error)?;
        Ok(())
    }
}

fn outbox_item(r: &sqlx::postgres::PgRow) -> Result<OutboxItem, RepositoryError> {
    let attempts: i32 = r.try_get("attempts_before").map_err(repository_error)?;
    Ok(OutboxItem {
        id: r.try_get("id").map_err(repository_error)?,
        org_id: org_of(r)?,
        notice: decode_notice(&r.try_get::<String, _>("notice").map_err(repository_error)?)?,
        attempts: u32::try_from(attempts).map_err(|_| CodecError::bad("attempts", attempts))?,
    })
}
