//! The repository port on SQLite: loading organizations, monitoring reads and the outbox.

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
    sort_claimed_outbox, state_placeholders, truncate_error, CodecError, STATE_COLUMNS,
};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::rows::{audit_row, bind_state, state_row, us, LiteQuery, RowError};
use crate::SqliteStore;

/// `$1` org, `$2` version, the state columns, then `created_at` and `updated_at`.
static INSERT_STATE: LazyLock<String> = LazyLock::new(|| {
    let now = 3 + STATE_COLUMNS.len();
    format!(
        "INSERT INTO organizations (org_id, version, {}, created_at, updated_at) VALUES ($1, $2, {}, ${now}, ${now}) \
         ON CONFLICT (org_id) DO NOTHING",
        STATE_COLUMNS.join(", "),
        state_placeholders(3)
    )
});

/// Leases up to `$3` claimable notices at `$1` until `$2`, in one statement on the single
/// writer, so two claimers can never take the same notice.
static CLAIM_OUTBOX: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE notification_outbox SET lease_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM notification_outbox WHERE {OUTBOX_CLAIMABLE} ORDER BY id LIMIT $3) \
         RETURNING id, org_id, notice, attempts - 1 AS attempts_before"
    )
});

impl SqliteStore {
    async fn select_state(&self, org: &OrgId) -> Result<Option<BillingState>, RepositoryError> {
        let row =
            sqlx::query(&SELECT_STATE).bind(org.as_str()).fetch_optional(&mut *self.read_conn().await?).await.map_err(repository_error)?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(decode_state(state_row(&r)?)?)),
        }
    }

    async fn org_list(&self, query: LiteQuery<'_>) -> Result<Vec<OrgId>, RepositoryError> {
        let rows = query.fetch_all(&mut *self.read_conn().await?).await.map_err(repository_error)?;
        rows.iter().map(org_of).collect()
    }
}

#[async_trait]
impl BillingRepository for SqliteStore {
    async fn load_or_create(&self, org: &OrgId, free_plan: &PlanId) -> Result<BillingState, RepositoryError> {
        // Reading first keeps the common case (an existing organization) off the single writer.
        if let Some(state) = self.select_state(org).await? {
            return Ok(state);
        }
        let fresh = encode_state(&BillingState::new(org.clone(), free_plan.clone()));
        let insert = sqlx::query(&INSERT_STATE).bind(org.as_str()).bind(fresh.version);
        let insert: LiteQuery<'_> = bind_state(insert, &fresh)?;
        insert.bind(us(Utc::now())).execute(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        self.select_state(org).await?.ok_or_else(|| RepositoryError::NotFound(org.clone()))
    }

    async fn ensure_installation_id(&self, candidate: &InstallationId) -> Result<InstallationId, RepositoryError> {
        // The insert goes through the single writer like every write; the read after it on the
        // same connection sees the stored row whoever inserted it.
        ensure_installation_in::<sqlx::Sqlite, _>(&mut *self.write_conn().await?, candidate, us(Utc::now())).await
    }

    async fn load(&self, org: &OrgId) -> Result<Option<BillingState>, RepositoryError> {
        self.select_state(org).await
    }

    async fn find_by_customer(&self, customer: &StripeCustomerId) -> Result<Option<OrgId>, RepositoryError> {
        org_by_key_in::<sqlx::Sqlite>(&mut *self.read_conn().await?, ORG_BY_CUSTOMER, customer.as_str()).await
    }

    async fn find_by_subscription(&self, subscription: &StripeSubscriptionId) -> Result<Option<OrgId>, RepositoryError> {
        org_by_key_in::<sqlx::Sqlite>(&mut *self.read_conn().await?, ORG_BY_SUBSCRIPTION, subscription.as_str()).await
    }

    async fn commit(&self, commit: Commit) -> Result<u64, RepositoryError> {
        crate::commit::commit(&self.writer, commit).await
    }

    async fn commit_batch(&self, writes: Vec<BatchWrite>) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError> {
        crate::commit::commit_batch(&self.writer, writes).await
    }

    async fn due_timers(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
        self.org_list(sqlx::query(DUE_TIMERS).bind(us(now)).bind(i64::from(limit))).await
    }

    async fn past_due(&self, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
        self.org_list(sqlx::query(PAST_DUE).bind(i64::from(limit))).await
    }

    async fn past_due_count(&self) -> Result<u64, RepositoryError> {
        count_in::<sqlx::Sqlite>(&mut *self.read_conn().await?, PAST_DUE_COUNT).await.map_err(repository_error)
    }

    async fn audit_trail(&self, org: &OrgId, limit: u32) -> Result<Vec<AuditEntry>, RepositoryError> {
        let rows = sqlx::query(&AUDIT_TRAIL)
            .bind(org.as_str())
            .bind(i64::from(limit))
            .fetch_all(&mut *self.read_conn().await?)
            .await
            .map_err(repository_error)?;
        rows.iter().map(|r| Ok(decode_audit(audit_row(r)?)?)).collect()
    }

    async fn claim_outbox(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<OutboxClaim, RepositoryError> {
        let query = sqlx::query(&CLAIM_OUTBOX).bind(us(now)).bind(us(lease_until)).bind(i64::from(limit));
        let rows = query.fetch_all(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        sort_claimed_outbox(&rows, |r| r.try_get("id").map_err(repository_error), outbox_item)
    }

    async fn outbox_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        let done =
            sqlx::query(OUTBOX_DELIVERED).bind(id).bind(us(at)).execute(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        if done.rows_affected() == 0 {
            return Err(RepositoryError::Unknown(anyhow::anyhow!("outbox item {id} does not exist")));
        }
        Ok(())
    }

    async fn outbox_retry_at(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        sqlx::query(OUTBOX_RETRY_AT).bind(id).bind(us(at)).execute(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        Ok(())
    }

    async fn outbox_dead_letter(&self, id: i64, reason: &str, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        let query = sqlx::query(OUTBOX_DEAD_LETTER).bind(id).bind(us(at)).bind(truncate_error(reason));
        query.execute(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        Ok(())
    }
}

fn outbox_item(r: &SqliteRow) -> Result<OutboxItem, RepositoryError> {
    let attempts: i64 = r.try_get("attempts_before").map_err(repository_error)?;
    let notice: String = r.try_get("notice").map_err(RowError::from)?;
    Ok(OutboxItem {
        id: r.try_get("id").map_err(repository_error)?,
        org_id: org_of(r)?,
        notice: decode_notice(&notice)?,
        attempts: u32::try_from(attempts).map_err(|_| CodecError::bad("attempts", attempts))?,
    })
}
