//! Processing recorded Stripe events: claim, decode, resolve the organization, decide, commit.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::effects::{commit_for, settle_refetches, worth_committing};
use crate::decide::{decide, Decision, Outcome, Rules};
use crate::ids::OrgId;
use crate::input::{Input, StripeEvent, StripeFact};
use crate::ports::{
    Assignment, BillingRepository, ClaimedEvent, Clock, DecodeError, EventDecoder, EventDisposition, EventDone, LedgerError, PaymentError,
    PaymentProvider, RepositoryError, WebhookLedger,
};
use crate::retry::{RetryDecision, RetryPolicy};

/// How one claimed event ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessOutcome {
    Done(EventDisposition),
    /// Failed this time; due again at the given time.
    Retry {
        at: DateTime<Utc>,
        reason: String,
    },
    /// Failed for good; waiting for an operator.
    Dead {
        reason: String,
    },
    /// Another worker took the event over (our lease expired); nothing was written.
    LeaseLost,
    /// The organization, learned only now, has another event in flight or an older one waiting;
    /// the event was handed back unapplied, to run in its organization's order.
    HandedBack,
}

/// Why an attempt failed, kept short for the ledger.
enum Failure {
    Permanent(String),
    Transient(String),
    LeaseLost,
    HandedBack,
}

/// Drains the webhook ledger into billing state.
#[derive(Debug)]
pub struct EventProcessor<R: ?Sized, L: ?Sized, P: ?Sized, D: ?Sized, C: ?Sized> {
    repo: Arc<R>,
    ledger: Arc<L>,
    payments: Arc<P>,
    decoder: Arc<D>,
    clock: Arc<C>,
    rules: Arc<Rules>,
    retry: RetryPolicy,
    lease: Duration,
}

impl<R, L, P, D, C> EventProcessor<R, L, P, D, C>
where
    R: BillingRepository + ?Sized,
    L: WebhookLedger + ?Sized,
    P: PaymentProvider + ?Sized,
    D: EventDecoder + ?Sized,
    C: Clock + ?Sized,
{
    pub fn new(
        repo: Arc<R>,
        ledger: Arc<L>,
        payments: Arc<P>,
        decoder: Arc<D>,
        clock: Arc<C>,
        rules: Arc<Rules>,
        retry: RetryPolicy,
    ) -> Self {
        Self { repo, ledger, payments, decoder, clock, rules, retry, lease: Duration::seconds(30) }
    }

    /// Claims up to `limit` due events for `holder` and processes them one by one.
    ///
    /// # Errors
    /// [`LedgerError`] when the ledger cannot be read or updated.
    pub async fn run_batch(&self, holder: &str, limit: u32) -> Result<Vec<(ClaimedEvent, ProcessOutcome)>, LedgerError> {
        let claimed = self.ledger.claim_due(holder, self.clock.now(), self.lease, limit).await?;
        let mut out = Vec::with_capacity(claimed.len());
        for event in claimed {
            let outcome = self.process(&event).await?;
            out.push((event, outcome));
        }
        Ok(out)
    }

    /// Processes one claimed event to an end state in the ledger.
    ///
    /// # Errors
    /// [`LedgerError`] when the outcome cannot be written to the ledger.
    pub async fn process(&self, event: &ClaimedEvent) -> Result<ProcessOutcome, LedgerError> {
        match self.attempt(event).await {
            Ok(disposition) => Ok(ProcessOutcome::Done(disposition)),
            Err(Failure::LeaseLost) => Ok(ProcessOutcome::LeaseLost),
            Err(Failure::HandedBack) => Ok(ProcessOutcome::HandedBack),
            Err(Failure::Permanent(reason)) => self.give_up(event, reason).await,
            Err(Failure::Transient(reason)) => self.retry_later(event, reason).await,
        }
    }

    async fn give_up(&self, event: &ClaimedEvent, reason: String) -> Result<ProcessOutcome, LedgerError> {
        match self.ledger.dead_letter(&event.id, &event.holder, &reason, self.clock.now()).await {
            Ok(()) => Ok(ProcessOutcome::Dead { reason }),
            Err(LedgerError::LeaseLost(_)) => Ok(ProcessOutcome::LeaseLost),
            Err(e) => Err(e),
        }
    }

    async fn retry_later(&self, event: &ClaimedEvent, reason: String) -> Result<ProcessOutcome, LedgerError> {
        let attempt = event.attempts + 1;
        match self.retry.after_failure(attempt, jitter(event)) {
            RetryDecision::GiveUp => self.give_up(event, reason).await,
            RetryDecision::RetryIn(delay) => {
                let at = self.clock.now() + delay;
                match self.ledger.fail(&event.id, &event.holder, &reason, at).await {
                    Ok(()) => Ok(ProcessOutcome::Retry { at, reason }),
                    Err(LedgerError::LeaseLost(_)) => Ok(ProcessOutcome::LeaseLost),
                    Err(e) => Err(e),
                }
            }
        }
    }

    async fn attempt(&self, claimed: &ClaimedEvent) -> Result<EventDisposition, Failure> {
        let decoded = self.decoder.decode(&claimed.payload).map_err(|e| match e {
            DecodeError::Malformed(m) | DecodeError::Unsupported(m) => Failure::Permanent(format!("undecodable event: {m}")),
            DecodeError::Unknown(e) => Failure::Transient(format!("decoder failed: {e}")),
        })?;
        let Some(event) = decoded.event else {
            return self.finish(claimed, EventDisposition::Ignored).await;
        };
        let Some(org) = self.resolve_org(claimed, decoded.org_hint, decoded.customer.as_ref(), &event).await? else {
            // The organization may appear once an earlier event is applied (EC-10): retry, never drop.
            return Err(Failure::Transient("organization not known yet".to_owned()));
        };
        if claimed.org_id.is_none() {
            match self.ledger.assign_org(&claimed.id, &claimed.holder, &org, self.clock.now()).await.map_err(ledger_failure)? {
                Assignment::Proceed => {}
                Assignment::HandedBack => return Err(Failure::HandedBack),
            }
        }
        self.apply(claimed, &org, event).await
    }

    async fn finish(&self, claimed: &ClaimedEvent, disposition: EventDisposition) -> Result<EventDisposition, Failure> {
        self.ledger.complete(&claimed.id, &claimed.holder, disposition, self.clock.now()).await.map_err(ledger_failure)?;
        Ok(disposition)
    }

    async fn resolve_org(
        &self,
        claimed: &ClaimedEvent,
        hint: Option<OrgId>,
        customer: Option<&crate::ids::StripeCustomerId>,
        event: &StripeEvent,
    ) -> Result<Option<OrgId>, Failure> {
        if let Some(org) = claimed.org_id.clone().or(hint) {
            return Ok(Some(org));
        }
        if let Some(customer) = customer {
            if let Some(org) = self.repo.find_by_customer(customer).await.map_err(repo_failure)? {
                return Ok(Some(org));
            }
        }
        let subscription = match &event.fact {
            StripeFact::SubscriptionChanged(s) | StripeFact::SubscriptionDeleted(s) => Some(&s.id),
            StripeFact::InvoicePaid(i) | StripeFact::InvoicePaymentFailed(i) | StripeFact::InvoiceActionRequired(i) => {
                i.subscription_id.as_ref()
            }
            StripeFact::CheckoutCompleted(c) => c.subscription_id.as_ref(),
            StripeFact::CheckoutExpired { .. } | StripeFact::ChargeRefunded { .. } => None,
        };
        match subscription {
            Some(s) => self.repo.find_by_subscription(s).await.map_err(repo_failure),
            None => Ok(None),
        }
    }

    /// Decides and commits, deciding again on a fresh state after a concurrent change.
    async fn apply(&self, claimed: &ClaimedEvent, org: &OrgId, event: StripeEvent) -> Result<EventDisposition, Failure> {
        let free = self.rules.catalog.free_plan().id().clone();
        for _ in 0..super::MAX_CONFLICT_RETRIES {
            let loaded = self.repo.load_or_create(org, &free).await.map_err(repo_failure)?;
            let now = self.clock.now();
            let decision = self.decide_settled(&loaded, event.clone(), now).await?;
            let disposition = if decision.outcome == Outcome::Stale { EventDisposition::Stale } else { EventDisposition::Processed };
            if !worth_committing(&loaded, &decision) {
                return self.finish(claimed, disposition).await;
            }
            let done = EventDone { event_id: claimed.id.clone(), holder: claimed.holder.clone(), disposition };
            match self.repo.commit(commit_for(&self.rules, &loaded, &decision, Some(done), now)).await {
                Ok(_) => return Ok(disposition),
                Err(RepositoryError::VersionConflict { .. }) => continue,
                Err(e) => return Err(repo_failure(e)),
            }
        }
        Err(Failure::Transient("organization kept changing concurrently".to_owned()))
    }

    /// Decides, then settles a same-second tie by re-reading the subscription from Stripe. Without
    /// a Stripe key the event's own snapshot is the best information there is, so it is applied.
    async fn decide_settled(
        &self,
        loaded: &crate::state::BillingState,
        event: StripeEvent,
        now: DateTime<Utc>,
    ) -> Result<Decision, Failure> {
        let fallback = match &event.fact {
            StripeFact::SubscriptionChanged(s) => Some(s.clone()),
            _ => None,
        };
        let decision =
            decide(&self.rules, loaded, Input::Stripe(event), now).map_err(|e| Failure::Transient(format!("cannot apply: {e}")))?;
        match settle_refetches(&self.rules, self.payments.as_ref(), decision.clone(), now).await {
            Ok(settled) => Ok(settled),
            Err(PaymentError::NotConfigured) => match fallback.filter(|_| decision.outcome == Outcome::Tie) {
                Some(snapshot) => decide(&self.rules, loaded, Input::SubscriptionFetched(snapshot), now)
                    .map_err(|e| Failure::Transient(format!("cannot apply: {e}"))),
                None => Ok(Decision { effects: Vec::new(), ..decision }),
            },
            Err(e) => Err(Failure::Transient(format!("re-reading the subscription failed: {e}"))),
        }
    }
}

fn repo_failure(e: RepositoryError) -> Failure {
    match e {
        RepositoryError::LeaseLost(_) => Failure::LeaseLost,
        RepositoryError::OwnershipConflict => Failure::Permanent(e.to_string()),
        RepositoryError::VersionConflict { .. }
        | RepositoryError::NotFound(_)
        | RepositoryError::Unavailable
        | RepositoryError::Unknown(_) => Failure::Transient(e.to_string()),
    }
}

fn ledger_failure(e: LedgerError) -> Failure {
    match e {
        LedgerError::LeaseLost(_) => Failure::LeaseLost,
        LedgerError::NotFound(_) | LedgerError::NotReplayable(_) | LedgerError::Unavailable | LedgerError::Unknown(_) => {
            Failure::Transient(e.to_string())
        }
    }
}

/// A deterministic spread in `[0, 1)` per event and attempt, so workers do not retry in lockstep.
fn jitter(event: &ClaimedEvent) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in event.id.as_str().bytes().chain(event.attempts.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    #[allow(clippy::cast_precision_loss)]
    let unit = (h % 1_000_000) as f64 / 1_000_000.0;
    unit
}
