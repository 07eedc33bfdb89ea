//! Applying claimed events in batches: each decided on its own, all written in one transaction.

use futures_util::future::join_all;

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
    /// The event is boxed: it is far larger than a finished slot.
    Pending { org: OrgId, event: Box<StripeEvent>, disposition: EventDisposition },
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
        let (slots, writes) = self.stage_all(claimed).await;
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
                Slot::Pending { org, event: fact, disposition } => self.settle_write(event, &org, *fact, disposition, written.next()).await,
            };
            outcomes.push(self.conclude(event, attempted).await);
        }
        outcomes
    }

    /// Prepares and decides every event: the slots in the order of `claimed`, and the writes of
    /// the pending ones in the same order.
    ///
    /// Events whose organization the ledger knows are staged concurrently: a claim never hands
    /// out two events of one organization, so nothing one of them reads or decides depends on
    /// another, and their reads overlap instead of queueing. An event whose organization is
    /// learned only now is staged after them, one at a time in Stripe order, so that when two
    /// turn out to share an organization the older is assigned to it first.
    async fn stage_all(&self, claimed: &[ClaimedEvent]) -> (Vec<Slot>, Vec<BatchWrite>) {
        let known = claimed.iter().filter(|e| e.org_id.is_some()).map(|e| self.stage(e));
        let mut known = join_all(known).await.into_iter();
        let mut staged = Vec::with_capacity(claimed.len());
        for event in claimed {
            let next = if event.org_id.is_some() { known.next() } else { Some(self.stage(event).await) };
            staged.push(next.unwrap_or_else(|| (Slot::Ready(Err(Failure::persistent("an event was not staged"))), None)));
        }
        let mut writes = Vec::new();
        let slots = staged.into_iter().map(|(slot, write)| {
            writes.extend(write);
            slot
        });
        (slots.collect(), writes)
    }

    /// Prepares and decides `event`: its slot, and its write when it has one.
    async fn stage(&self, event: &ClaimedEvent) -> (Slot, Option<BatchWrite>) {
        let (org, fact) = match self.prepare(event).await {
            Ok(Prepared::Done(disposition)) => return (Slot::Ready(Ok(disposition)), None),
            Ok(Prepared::Apply(org, fact)) => (org, fact),
            Err(failure) => return (Slot::Ready(Err(failure)), None),
        };
        match self.decide_write(event, &org, (*fact).clone()).await {
            Ok((disposition, write)) => (Slot::Pending { org, event: fact, disposition }, Some(write)),
            Err(failure) => (Slot::Ready(Err(failure)), None),
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
