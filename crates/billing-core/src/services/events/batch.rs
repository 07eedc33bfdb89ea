//! Applying claimed events in batches: each decided on its own, all written in one transaction.

use super::failure::{repo_failure, Failure};
use super::{EventProcessor, Prepared, ProcessOutcome};
use crate::ids::OrgId;
use crate::input::StripeEvent;
use crate::ports::{
    BatchWrite, BillingRepository, ClaimedEvent, Clock, EventDecoder, EventDisposition, LedgerError, PaymentProvider, RepositoryError,
    WebhookLedger,
};

/// Where one event of a batch stands before the batch is written.
enum Slot {
    /// Finished, or failed, without a write of the batch.
    Ready(Result<EventDisposition, Failure>),
    /// Its write is in the batch; this is how it ends once written.
    Pending { org: OrgId, event: StripeEvent, disposition: EventDisposition },
}

/// What became of one pending write: the store's answer, or the whole batch's failure.
type Written = Result<Result<(), RepositoryError>, Failure>;

impl<R, L, P, D, C> EventProcessor<R, L, P, D, C>
where
    R: BillingRepository + ?Sized,
    L: WebhookLedger + ?Sized,
    P: PaymentProvider + ?Sized,
    D: EventDecoder + ?Sized,
    C: Clock + ?Sized,
{
    /// Processes claimed events as [`Self::process`] does one by one, but writes their decisions
    /// together with [`BillingRepository::commit_batch`]: one transaction and one durable commit
    /// for the batch. Stripe re-reads happen while deciding, before that transaction opens.
    ///
    /// An event whose write fails is handled alone: a version conflict is decided again on the
    /// fresh state and committed by itself, any other failure ends the attempt as it would for a
    /// single event. When the batch's transaction fails as a whole, none of it was written, and
    /// each event is retried as after any storage failure. The events must be of distinct
    /// organizations, as a claim hands them out. Results are in the order of `claimed`.
    pub async fn process_batch(&self, claimed: &[ClaimedEvent]) -> Vec<Result<ProcessOutcome, LedgerError>> {
        let mut slots = Vec::with_capacity(claimed.len());
        let mut writes = Vec::new();
        for event in claimed {
            slots.push(self.stage(event, &mut writes).await);
        }
        let pending = writes.len();
        let mut written: Box<dyn Iterator<Item = Written> + Send> = match self.repo.commit_batch(writes).await {
            Ok(results) => Box::new(results.into_iter().map(Ok)),
            Err(e) => {
                let failure = repo_failure(e);
                Box::new((0..pending).map(move |_| Err(failure.clone())))
            }
        };
        let mut outcomes = Vec::with_capacity(claimed.len());
        for (event, slot) in claimed.iter().zip(slots) {
            let attempted = match slot {
                Slot::Ready(attempted) => attempted,
                Slot::Pending { org, event: fact, disposition } => self.settle_write(event, &org, fact, disposition, written.next()).await,
            };
            outcomes.push(self.conclude(event, attempted).await);
        }
        outcomes
    }

    /// Prepares and decides `event`, adding its write to `writes` when it has one.
    async fn stage(&self, event: &ClaimedEvent, writes: &mut Vec<BatchWrite>) -> Slot {
        let (org, fact) = match self.prepare(event).await {
            Ok(Prepared::Done(disposition)) => return Slot::Ready(Ok(disposition)),
            Ok(Prepared::Apply(org, fact)) => (org, fact),
            Err(failure) => return Slot::Ready(Err(failure)),
        };
        match self.decide_write(event, &org, fact.clone()).await {
            Ok((disposition, write)) => {
                writes.push(write);
                Slot::Pending { org, event: fact, disposition }
            }
            Err(failure) => Slot::Ready(Err(failure)),
        }
    }

    /// How a pending event ended once the batch was written.
    async fn settle_write(
        &self,
        claimed: &ClaimedEvent,
        org: &OrgId,
        event: StripeEvent,
        disposition: EventDisposition,
        written: Option<Written>,
    ) -> Result<EventDisposition, Failure> {
        match written {
            Some(Ok(Ok(()))) => Ok(disposition),
            Some(Ok(Err(RepositoryError::VersionConflict { .. }))) => self.apply(claimed, org, event).await,
            Some(Ok(Err(e))) => Err(repo_failure(e)),
            Some(Err(failure)) => Err(failure),
            None => Err(Failure::persistent("the store answered for fewer writes than the batch held")),
        }
    }
}
