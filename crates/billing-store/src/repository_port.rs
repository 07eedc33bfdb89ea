//! The repository port, once for every dialect: organizations, monitoring reads and the outbox.

use async_trait::async_trait;
use billing_core::effect::AuditEntry;
use billing_core::ids::{InstallationId, OrgId, PlanId, StripeCustomerId, StripeSubscriptionId};
use billing_core::ports::{BatchWrite, BillingRepository, Commit, Inconsistency, OutboxClaim, RepositoryError};
use billing_core::BillingState;
use chrono::{DateTime, Utc};

use crate::audit::decode_audit;
use crate::checks::{consistency_in, paid_orgs_in};
use crate::db::{DbQuery, QueryExt, RowExt};
use crate::dialect::Dialect;
use crate::error::repository_error;
use crate::installation::ensure_installation_in;
use crate::ledger::truncate_error;
use crate::outbox::sort_claimed_outbox;
use crate::reads::{count_in, org_by_key_in, org_of};
use crate::rows::{audit_row, bind_state, outbox_item, state_row};
use crate::sql::{
    claim_outbox, AUDIT_TRAIL, DUE_TIMERS, INSERT_STATE, ORG_BY_CUSTOMER, ORG_BY_SUBSCRIPTION, OUTBOX_DEAD_LETTER, OUTBOX_DELIVERED,
    OUTBOX_RETRY_AT, PAST_DUE, PAST_DUE_COUNT, SELECT_STATE,
};
use crate::state::{decode_state, encode_state};
use crate::store::SqlStore;
use crate::transaction::settle;

impl<D: Dialect> SqlStore<D> {
    async fn select_state(&self, org: &OrgId) -> Result<Option<BillingState>, RepositoryError> {
        let query = D::query(&SELECT_STATE).arg(org.as_str());
        let row = query.fetch_optional_on(&mut *self.read_conn().await?).await.map_err(repository_error)?;
        row.map(|r| Ok(decode_state(state_row::<D>(&r)?)?)).transpose()
    }

    /// Creates `org` on `free_plan` unless it exists; its state if this call created it.
    async fn insert_state(&self, org: &OrgId, free_plan: &PlanId) -> Result<Option<BillingState>, RepositoryError> {
        let fresh = encode_state(&BillingState::new(org.clone(), free_plan.clone()));
        let insert = bind_state::<D>(D::query(&INSERT_STATE).arg(org.as_str()).arg(fresh.version), &fresh)?;
        let row = insert.arg(D::time(Utc::now())).fetch_optional_on(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        row.map(|r| Ok(decode_state(state_row::<D>(&r)?)?)).transpose()
    }

    async fn org_list(&self, query: DbQuery<'_, D::Db>) -> Result<Vec<OrgId>, RepositoryError> {
        let rows = query.fetch_all_on(&mut *self.read_conn().await?).await.map_err(repository_error)?;
        rows.iter().map(org_of::<D>).collect()
    }
}

#[async_trait]
impl<D: Dialect> BillingRepository for SqlStore<D> {
    async fn load_or_create(&self, org: &OrgId, free_plan: &PlanId) -> Result<BillingState, RepositoryError> {
        // Reading first keeps the common case (an existing organization) free of writes.
        if let Some(state) = self.select_state(org).await? {
            return Ok(state);
        }
        if let Some(state) = self.insert_state(org, free_plan).await? {
            return Ok(state);
        }
        // Another caller created it first; its row is the answer.
        self.select_state(org).await?.ok_or_else(|| RepositoryError::NotFound(org.clone()))
    }

    async fn ensure_installation_id(&self, candidate: &InstallationId) -> Result<InstallationId, RepositoryError> {
        // The store's own write transaction: on Postgres READ COMMITTED, because under
        // REPEATABLE READ an insert that finds a row committed after its snapshot fails to
        // serialize instead of doing nothing, so racing first calls would fail.
        let mut tx = self.begin_write().await?;
        let result = ensure_installation_in::<D>(&mut tx, candidate, Utc::now()).await;
        settle(tx, result, repository_error).await
    }

    async fn load(&self, org: &OrgId) -> Result<Option<BillingState>, RepositoryError> {
        self.select_state(org).await
    }

    async fn find_by_customer(&self, customer: &StripeCustomerId) -> Result<Option<OrgId>, RepositoryError> {
        org_by_key_in::<D>(&mut *self.read_conn().await?, ORG_BY_CUSTOMER, customer.as_str()).await
    }

    async fn find_by_subscription(&self, subscription: &StripeSubscriptionId) -> Result<Option<OrgId>, RepositoryError> {
        org_by_key_in::<D>(&mut *self.read_conn().await?, ORG_BY_SUBSCRIPTION, subscription.as_str()).await
    }

    async fn commit(&self, commit: Commit) -> Result<u64, RepositoryError> {
        self.write_commit(commit).await
    }

    async fn commit_batch(&self, writes: Vec<BatchWrite>) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError> {
        self.write_batch(writes).await
    }

    async fn due_timers(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
        self.org_list(D::query(DUE_TIMERS).arg(D::time(now)).arg(i64::from(limit))).await
    }

    async fn past_due(&self, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
        self.org_list(D::query(PAST_DUE).arg(i64::from(limit))).await
    }

    async fn past_due_count(&self) -> Result<u64, RepositoryError> {
        count_in::<D>(&mut *self.read_conn().await?, PAST_DUE_COUNT).await.map_err(repository_error)
    }

    async fn audit_trail(&self, org: &OrgId, limit: u32) -> Result<Vec<AuditEntry>, RepositoryError> {
        let query = D::query(&AUDIT_TRAIL).arg(org.as_str()).arg(i64::from(limit));
        let rows = query.fetch_all_on(&mut *self.read_conn().await?).await.map_err(repository_error)?;
        rows.iter().map(|r| Ok(decode_audit(audit_row::<D>(r)?)?)).collect()
    }

    async fn claim_outbox(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<OutboxClaim, RepositoryError> {
        let sql = claim_outbox(D::SKIP_LOCKED, D::NOTICE_TEXT);
        let query = D::query(&sql).arg(D::time(now)).arg(D::time(lease_until)).arg(i64::from(limit));
        let rows = query.fetch_all_on(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        sort_claimed_outbox(&rows, |r| r.value("id").map_err(repository_error), outbox_item::<D>)
    }

    async fn outbox_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        let query = D::query(OUTBOX_DELIVERED).arg(id).arg(D::time(at));
        match query.fetch_optional_on(&mut *self.write_conn().await?).await.map_err(repository_error)? {
            Some(_) => Ok(()),
            None => Err(RepositoryError::Unknown(anyhow::anyhow!("outbox item {id} does not exist"))),
        }
    }

    async fn outbox_retry_at(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        D::query(OUTBOX_RETRY_AT).arg(id).arg(D::time(at)).execute_on(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        Ok(())
    }

    async fn outbox_dead_letter(&self, id: i64, reason: &str, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        let query = D::query(OUTBOX_DEAD_LETTER).arg(id).arg(D::time(at)).arg(truncate_error(reason));
        query.execute_on(&mut *self.write_conn().await?).await.map_err(repository_error)?;
        Ok(())
    }

    async fn paid_orgs(&self, after: Option<OrgId>, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
        paid_orgs_in::<D>(&mut *self.read_conn().await?, after.as_ref(), limit).await
    }

    async fn consistency_problems(&self, limit: u32) -> Result<Vec<Inconsistency>, RepositoryError> {
        consistency_in::<D>(&mut *self.read_conn().await?, limit).await
    }
}
