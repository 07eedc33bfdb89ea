//! Group commit for webhook intake: deliveries that arrive together are recorded with one
//! statement and one durable commit, and each is answered only after that commit.
//!
//! A few flusher tasks take turns at the queue: each takes whatever is waiting (up to a cap),
//! records it with [`WebhookLedger::record_many`], and answers every caller. Nothing waits for
//! a batch to fill: a lone delivery is written at once, and deliveries arriving while a flush
//! is in flight form the next batch. Durability is unchanged; only the number of commits falls.

use std::sync::Arc;

use async_trait::async_trait;
use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{
    Assignment, ClaimedEvent, EventDisposition, LedgerEntry, LedgerError, LedgerFilter, LedgerPayload, NewEvent, RecordOutcome,
    WebhookLedger,
};
use chrono::{DateTime, Duration, Utc};
use prometheus::Histogram;
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::state::Ledger;
use crate::telemetry::cause_chain;

/// The most deliveries one flush records.
pub const MAX_GROUP: usize = 256;

/// Flushes in flight at once, so one batch is written while the next gathers.
const FLUSHERS: usize = 2;

type Reply = oneshot::Sender<Result<RecordOutcome, LedgerError>>;

/// A ledger whose `record` goes through group commit; every other call goes straight through.
pub struct GroupCommitLedger {
    inner: Arc<Ledger>,
    queue: mpsc::Sender<(NewEvent, Reply)>,
}

impl std::fmt::Debug for GroupCommitLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommitLedger").field("waiting", &(self.queue.max_capacity() - self.queue.capacity())).finish_non_exhaustive()
    }
}

impl GroupCommitLedger {
    /// Wraps `inner` and starts the flusher tasks, which record each group's size in
    /// `sizes`; they stop once the ledger is dropped.
    pub fn start(inner: Arc<Ledger>, sizes: Histogram) -> Arc<Self> {
        let (queue, receiver) = mpsc::channel(MAX_GROUP * FLUSHERS * 4);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..FLUSHERS {
            tokio::spawn(flush_loop(inner.clone(), receiver.clone(), sizes.clone()));
        }
        Arc::new(Self { inner, queue })
    }
}

/// Takes what is waiting and records it, until every sender is gone.
async fn flush_loop(inner: Arc<Ledger>, receiver: Arc<Mutex<mpsc::Receiver<(NewEvent, Reply)>>>, sizes: Histogram) {
    loop {
        let mut group = Vec::new();
        {
            let mut receiver = receiver.lock().await;
            if receiver.recv_many(&mut group, MAX_GROUP).await == 0 {
                return;
            }
        }
        // A group holds at most MAX_GROUP deliveries, which an f64 counts exactly.
        sizes.observe(group.len() as f64);
        flush(inner.as_ref(), group).await;
    }
}

async fn flush(inner: &Ledger, group: Vec<(NewEvent, Reply)>) {
    let (events, replies): (Vec<NewEvent>, Vec<Reply>) = group.into_iter().unzip();
    match inner.record_many(&events).await {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                // A caller that went away (its client hung up) needs no answer.
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            tracing::warn!(error = %cause_chain(&e), deliveries = events.len(), "recording a group of deliveries failed");
            let unavailable = matches!(e, LedgerError::Unavailable);
            for reply in replies {
                let copy = if unavailable { LedgerError::Unavailable } else { LedgerError::Unknown(anyhow::anyhow!(cause_chain(&e))) };
                let _ = reply.send(Err(copy));
            }
        }
    }
}

#[async_trait]
impl WebhookLedger for GroupCommitLedger {
    async fn record(&self, event: &NewEvent) -> Result<RecordOutcome, LedgerError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((event.clone(), reply)).await.map_err(|_| LedgerError::Unavailable)?;
        answer.await.map_err(|_| LedgerError::Unavailable)?
    }

    async fn record_many(&self, events: &[NewEvent]) -> Result<Vec<RecordOutcome>, LedgerError> {
        self.inner.record_many(events).await
    }

    async fn claim_due(&self, holder: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> Result<Vec<ClaimedEvent>, LedgerError> {
        self.inner.claim_due(holder, now, lease, limit).await
    }

    async fn complete(
        &self,
        id: &StripeEventId,
        holder: &str,
        disposition: EventDisposition,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.inner.complete(id, holder, disposition, now).await
    }

    async fn fail(&self, id: &StripeEventId, holder: &str, error: &str, next_attempt_at: DateTime<Utc>) -> Result<(), LedgerError> {
        self.inner.fail(id, holder, error, next_attempt_at).await
    }

    async fn dead_letter(&self, id: &StripeEventId, holder: &str, error: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        self.inner.dead_letter(id, holder, error, now).await
    }

    async fn ignore(&self, id: &StripeEventId, holder: &str, reason: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        self.inner.ignore(id, holder, reason, now).await
    }

    async fn release(&self, id: &StripeEventId, holder: &str) -> Result<(), LedgerError> {
        self.inner.release(id, holder).await
    }

    async fn assign_org(&self, id: &StripeEventId, holder: &str, org: &OrgId, now: DateTime<Utc>) -> Result<Assignment, LedgerError> {
        self.inner.assign_org(id, holder, org, now).await
    }

    async fn replay(&self, id: &StripeEventId, actor: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        self.inner.replay(id, actor, now).await
    }

    async fn get(&self, id: &StripeEventId) -> Result<Option<LedgerEntry>, LedgerError> {
        self.inner.get(id).await
    }

    async fn list(&self, filter: &LedgerFilter) -> Result<Vec<LedgerEntry>, LedgerError> {
        self.inner.list(filter).await
    }

    async fn duplicate_ids(&self) -> Result<Vec<StripeEventId>, LedgerError> {
        self.inner.duplicate_ids().await
    }

    async fn backlog(&self) -> Result<u64, LedgerError> {
        self.inner.backlog().await
    }

    async fn record_recovered(&self, events: &[NewEvent], actor: &str, now: DateTime<Utc>) -> Result<Vec<RecordOutcome>, LedgerError> {
        self.inner.record_recovered(events, actor, now).await
    }

    async fn list_payloads(&self, filter: &LedgerFilter) -> Result<Vec<LedgerPayload>, LedgerError> {
        self.inner.list_payloads(filter).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Mutex as StdMutex;
    use std::time::Duration as StdDuration;

    use billing_core::ports::MockWebhookLedger;
    use billing_testkit::fixtures::new_event;
    use prometheus::HistogramOpts;

    use super::*;

    fn sizes() -> Histogram {
        Histogram::with_opts(HistogramOpts::new("sizes", "group sizes")).unwrap()
    }

    /// Records `n` distinct events at once through `ledger`.
    async fn record_at_once(ledger: &Arc<GroupCommitLedger>, n: usize) -> Vec<Result<RecordOutcome, LedgerError>> {
        let events: Vec<NewEvent> = (0..n).map(|i| new_event(&format!("g{i}"), None, "invoice.paid", 1, 2)).collect();
        futures_util::future::join_all(events.iter().map(|e| ledger.record(e))).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn deliveries_arriving_together_share_a_few_commits_and_each_caller_is_answered() {
        let groups = Arc::new(StdMutex::new(Vec::new()));
        let seen = groups.clone();
        let mut inner = MockWebhookLedger::new();
        inner.expect_record_many().returning(move |events| {
            seen.lock().unwrap().push(events.len());
            // A slow commit: whatever arrives meanwhile waits for the next flush, not a commit of its own.
            std::thread::sleep(StdDuration::from_millis(100));
            Ok(vec![RecordOutcome::Recorded; events.len()])
        });
        let ledger = GroupCommitLedger::start(Arc::new(inner), sizes());
        let answers = record_at_once(&ledger, 40).await;
        assert!(answers.iter().all(|a| matches!(a, Ok(RecordOutcome::Recorded))), "every caller is answered");
        let groups = groups.lock().unwrap().clone();
        assert_eq!(groups.iter().sum::<usize>(), 40, "{groups:?}");
        assert!(groups.len() <= 4, "40 deliveries took {} commits: {groups:?}", groups.len());
    }

    #[tokio::test]
    async fn a_failed_commit_is_every_callers_error_and_nobody_is_told_recorded() {
        let mut inner = MockWebhookLedger::new();
        inner.expect_record_many().returning(|_| Err(LedgerError::Unavailable));
        let ledger = GroupCommitLedger::start(Arc::new(inner), sizes());
        let answers = record_at_once(&ledger, 5).await;
        assert_eq!(answers.len(), 5);
        assert!(answers.iter().all(|a| matches!(a, Err(LedgerError::Unavailable))), "{answers:?}");
    }
}
