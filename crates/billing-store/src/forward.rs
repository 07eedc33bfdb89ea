//! Forwarding the ports from a store crate's public type to the [`crate::SqlStore`] inside it.
//!
//! Each store crate keeps its own public type, because its constructors (pool options, a
//! statement timeout, a file location) are its own and an inherent impl cannot be written for
//! another crate's type. The ports are implemented once, on `SqlStore`; this macro writes the
//! one-line delegations, so a port's behaviour still changes in one place only.

/// Implements `BillingRepository`, `WebhookLedger` and `StoreInspection` for `$store` by
/// delegating every call to its `SqlStore` field `$field`.
#[macro_export]
macro_rules! forward_ports {
    ($store:ty => $field:ident) => {
        const _: () = {
            use $crate::__private::{
                async_trait, Assignment, AuditEntry, BatchWrite, BillingRepository, BillingState, ClaimedEvent, Commit, DateTime, Duration,
                EventAuditRecord, EventDisposition, Inconsistency, InstallationId, LedgerEntry, LedgerError, LedgerFilter, LedgerPayload,
                NewEvent, OrgId, OutboxClaim, PlanId, RecordOutcome, RepositoryError, RowCounts, StoreInspection, StripeCustomerId,
                StripeEventId, StripeSubscriptionId, Utc, WebhookLedger,
            };

            #[async_trait]
            impl WebhookLedger for $store {
                async fn record(&self, event: &NewEvent) -> Result<RecordOutcome, LedgerError> {
                    WebhookLedger::record(&self.$field, event).await
                }
                async fn record_many(&self, events: &[NewEvent]) -> Result<Vec<RecordOutcome>, LedgerError> {
                    WebhookLedger::record_many(&self.$field, events).await
                }
                async fn claim_due(
                    &self,
                    holder: &str,
                    now: DateTime<Utc>,
                    lease: Duration,
                    limit: u32,
                ) -> Result<Vec<ClaimedEvent>, LedgerError> {
                    WebhookLedger::claim_due(&self.$field, holder, now, lease, limit).await
                }
                async fn complete(
                    &self,
                    id: &StripeEventId,
                    holder: &str,
                    disposition: EventDisposition,
                    now: DateTime<Utc>,
                ) -> Result<(), LedgerError> {
                    WebhookLedger::complete(&self.$field, id, holder, disposition, now).await
                }
                async fn fail(&self, id: &StripeEventId, holder: &str, error: &str, next: DateTime<Utc>) -> Result<(), LedgerError> {
                    WebhookLedger::fail(&self.$field, id, holder, error, next).await
                }
                async fn dead_letter(&self, id: &StripeEventId, holder: &str, error: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
                    WebhookLedger::dead_letter(&self.$field, id, holder, error, now).await
                }
                async fn ignore(&self, id: &StripeEventId, holder: &str, reason: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
                    WebhookLedger::ignore(&self.$field, id, holder, reason, now).await
                }
                async fn release(&self, id: &StripeEventId, holder: &str) -> Result<(), LedgerError> {
                    WebhookLedger::release(&self.$field, id, holder).await
                }
                async fn assign_org(
                    &self,
                    id: &StripeEventId,
                    holder: &str,
                    org: &OrgId,
                    now: DateTime<Utc>,
                ) -> Result<Assignment, LedgerError> {
                    WebhookLedger::assign_org(&self.$field, id, holder, org, now).await
                }
                async fn replay(&self, id: &StripeEventId, actor: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
                    WebhookLedger::replay(&self.$field, id, actor, now).await
                }
                async fn get(&self, id: &StripeEventId) -> Result<Option<LedgerEntry>, LedgerError> {
                    WebhookLedger::get(&self.$field, id).await
                }
                async fn list(&self, filter: &LedgerFilter) -> Result<Vec<LedgerEntry>, LedgerError> {
                    WebhookLedger::list(&self.$field, filter).await
                }
                async fn duplicate_ids(&self) -> Result<Vec<StripeEventId>, LedgerError> {
                    WebhookLedger::duplicate_ids(&self.$field).await
                }
                async fn backlog(&self) -> Result<u64, LedgerError> {
                    WebhookLedger::backlog(&self.$field).await
                }
                async fn record_recovered(
                    &self,
                    events: &[NewEvent],
                    actor: &str,
                    now: DateTime<Utc>,
                ) -> Result<Vec<RecordOutcome>, LedgerError> {
                    WebhookLedger::record_recovered(&self.$field, events, actor, now).await
                }
                async fn list_payloads(&self, filter: &LedgerFilter) -> Result<Vec<LedgerPayload>, LedgerError> {
                    WebhookLedger::list_payloads(&self.$field, filter).await
                }
            }

            #[async_trait]
            impl BillingRepository for $store {
                async fn load_or_create(&self, org: &OrgId, free_plan: &PlanId) -> Result<BillingState, RepositoryError> {
                    BillingRepository::load_or_create(&self.$field, org, free_plan).await
                }
                async fn ensure_installation_id(&self, candidate: &InstallationId) -> Result<InstallationId, RepositoryError> {
                    BillingRepository::ensure_installation_id(&self.$field, candidate).await
                }
                async fn load(&self, org: &OrgId) -> Result<Option<BillingState>, RepositoryError> {
                    BillingRepository::load(&self.$field, org).await
                }
                async fn find_by_customer(&self, customer: &StripeCustomerId) -> Result<Option<OrgId>, RepositoryError> {
                    BillingRepository::find_by_customer(&self.$field, customer).await
                }
                async fn find_by_subscription(&self, subscription: &StripeSubscriptionId) -> Result<Option<OrgId>, RepositoryError> {
                    BillingRepository::find_by_subscription(&self.$field, subscription).await
                }
                async fn commit(&self, commit: Commit) -> Result<u64, RepositoryError> {
                    BillingRepository::commit(&self.$field, commit).await
                }
                async fn commit_batch(&self, writes: Vec<BatchWrite>) -> Result<Vec<Result<(), RepositoryError>>, RepositoryError> {
                    BillingRepository::commit_batch(&self.$field, writes).await
                }
                async fn due_timers(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
                    BillingRepository::due_timers(&self.$field, now, limit).await
                }
                async fn past_due(&self, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
                    BillingRepository::past_due(&self.$field, limit).await
                }
                async fn past_due_count(&self) -> Result<u64, RepositoryError> {
                    BillingRepository::past_due_count(&self.$field).await
                }
                async fn audit_trail(&self, org: &OrgId, limit: u32) -> Result<Vec<AuditEntry>, RepositoryError> {
                    BillingRepository::audit_trail(&self.$field, org, limit).await
                }
                async fn claim_outbox(&self, now: DateTime<Utc>, until: DateTime<Utc>, limit: u32) -> Result<OutboxClaim, RepositoryError> {
                    BillingRepository::claim_outbox(&self.$field, now, until, limit).await
                }
                async fn outbox_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError> {
                    BillingRepository::outbox_delivered(&self.$field, id, at).await
                }
                async fn outbox_retry_at(&self, id: i64, at: DateTime<Utc>) -> Result<(), RepositoryError> {
                    BillingRepository::outbox_retry_at(&self.$field, id, at).await
                }
                async fn outbox_dead_letter(&self, id: i64, reason: &str, at: DateTime<Utc>) -> Result<(), RepositoryError> {
                    BillingRepository::outbox_dead_letter(&self.$field, id, reason, at).await
                }
                async fn paid_orgs(&self, after: Option<OrgId>, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
                    BillingRepository::paid_orgs(&self.$field, after, limit).await
                }
                async fn consistency_problems(&self, limit: u32) -> Result<Vec<Inconsistency>, RepositoryError> {
                    BillingRepository::consistency_problems(&self.$field, limit).await
                }
            }

            #[async_trait]
            impl StoreInspection for $store {
                async fn event_history(&self, id: &StripeEventId) -> Result<Vec<EventAuditRecord>, LedgerError> {
                    StoreInspection::event_history(&self.$field, id).await
                }
                async fn row_counts(&self) -> Result<RowCounts, LedgerError> {
                    StoreInspection::row_counts(&self.$field).await
                }
            }
        };
    };
}
