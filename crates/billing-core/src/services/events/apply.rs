//! Deciding one event on its organization's state, and committing it alone.

use chrono::{DateTime, Utc};

use super::failure::{cannot_apply, refetch_failed, repo_failure, Failure};
use super::EventProcessor;
use crate::decide::{decide, Decision, Outcome};
use crate::ids::OrgId;
use crate::input::{Input, StripeEvent, StripeFact};
use crate::ports::{
    BatchWrite, BillingRepository, ClaimedEvent, Clock, EventDecoder, EventDisposition, EventDone, PaymentError, PaymentProvider,
    RepositoryError, WebhookLedger,
};
use crate::services::effects::{commit_for, settle_refetches, worth_committing};
use crate::state::BillingState;

/// How an event ends in the ledger after its decision: one about a subscription the
/// organization does not follow is ignored (and counted as such), not processed.
fn disposition_of(outcome: Outcome) -> EventDisposition {
    match outcome {
        Outcome::Stale => EventDisposition::Stale,
        Outcome::SetAside => EventDisposition::Ignored,
        Outcome::Applied | Outcome::Duplicate | Outcome::Tie => EventDisposition::Processed,
    }
}

impl<R, L, P, D, C> EventProcessor<R, L, P, D, C>
where
    R: BillingRepository + ?Sized,
    L: WebhookLedger + ?Sized,
    P: PaymentProvider + ?Sized,
    D: EventDecoder + ?Sized,
    C: Clock + ?Sized,
{
    /// Decides and commits, deciding again on a fresh state after a concurrent change.
    pub(super) async fn apply(&self, claimed: &ClaimedEvent, org: &OrgId, event: StripeEvent) -> Result<EventDisposition, Failure> {
        for _ in 0..crate::services::MAX_CONFLICT_RETRIES {
            let (disposition, write) = self.decide_write(claimed, org, event.clone()).await?;
            let written = match write {
                BatchWrite::Finish { .. } => return self.finish(claimed, disposition).await,
                BatchWrite::Commit(commit) => self.repo.commit(*commit).await,
            };
            match written {
                Ok(_) => return Ok(disposition),
                Err(RepositoryError::VersionConflict { .. }) => continue,
                Err(e) => return Err(repo_failure(e)),
            }
        }
        Err(Failure::transient("organization kept changing concurrently"))
    }

    /// Loads the organization and decides `event` on it: what to write, and how the event ends
    /// once it is written. A decision that changes nothing only finishes the event.
    pub(super) async fn decide_write(
        &self,
        claimed: &ClaimedEvent,
        org: &OrgId,
        event: StripeEvent,
    ) -> Result<(EventDisposition, BatchWrite), Failure> {
        let free = self.rules.catalog.free_plan().id().clone();
        let loaded = self.repo.load_or_create(org, &free).await.map_err(repo_failure)?;
        let now = self.clock.now();
        let decision = self.decide_settled(&loaded, event, now).await?;
        let disposition = disposition_of(decision.outcome);
        let done = EventDone { event_id: claimed.id.clone(), holder: claimed.holder.clone(), disposition };
        if !worth_committing(&loaded, &decision) {
            return Ok((disposition, BatchWrite::Finish { done, at: now }));
        }
        Ok((disposition, BatchWrite::Commit(Box::new(commit_for(&self.rules, &loaded, &decision, Some(done), now)))))
    }

    /// Decides, then settles a same-second tie by re-reading the subscription from Stripe. Without
    /// a Stripe key the event's own snapshot is the best information there is, so it is applied;
    /// any other decision stands as it is, with its audit rows and notices (the re-read it asked
    /// for writes nothing).
    async fn decide_settled(&self, loaded: &BillingState, event: StripeEvent, now: DateTime<Utc>) -> Result<Decision, Failure> {
        let fallback = match &event.fact {
            StripeFact::SubscriptionChanged(s) => Some(s.clone()),
            _ => None,
        };
        let decision = decide(&self.rules, loaded, Input::Stripe(event), now).map_err(cannot_apply)?;
        match settle_refetches(&self.rules, self.payments.as_ref(), decision.clone(), now).await {
            Ok(settled) => Ok(settled),
            Err(PaymentError::NotConfigured) => match fallback.filter(|_| decision.outcome == Outcome::Tie) {
                Some(snapshot) => decide(&self.rules, loaded, Input::SubscriptionFetched(snapshot), now).map_err(cannot_apply),
                None => Ok(decision),
            },
            Err(e) => Err(refetch_failed(e)),
        }
    }
}
