//! Processing recorded Stripe events: claim, decode, resolve the organization, decide, commit.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::effects::{commit_for, settle_refetches, worth_committing};
use crate::decide::{decide, Decision, Outcome, Rules};
use crate::ids::{OrgId, StripeCustomerId, StripeEventId};
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

/// An event recorded for, or naming, another organization than the one owning its Stripe
/// customer. The event was applied to the owner: a customer never moves between organizations,
/// whatever `client_reference_id` or `metadata.org_id` say (a Payment Link buyer chooses them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantDisagreement {
    pub event_id: StripeEventId,
    /// Stripe's event type, as the ledger recorded it.
    pub event_type: String,
    pub customer: StripeCustomerId,
    /// The organization owning the customer, which the event was applied to.
    pub owner: OrgId,
    /// The organization the ledger recorded the event for or the event names, left untouched.
    pub named: OrgId,
}

/// Told of each tenant disagreement.
type TenantHook = Arc<dyn Fn(&TenantDisagreement) + Send + Sync>;

/// Where tenant disagreements are reported; billing-core cannot log, so the server decides.
#[derive(Clone, Default)]
struct TenantWatch(Option<TenantHook>);

impl TenantWatch {
    /// Reports that `claimed` was recorded for, or names, `named` although its customer is `owner`'s.
    fn report(&self, claimed: &ClaimedEvent, customer: &StripeCustomerId, owner: &OrgId, named: OrgId) {
        if let Some(watch) = &self.0 {
            let (event_id, event_type) = (claimed.id.clone(), claimed.event_type.clone());
            watch(&TenantDisagreement { event_id, event_type, customer: customer.clone(), owner: owner.clone(), named });
        }
    }
}

impl std::fmt::Debug for TenantWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "TenantWatch(watched)" } else { "TenantWatch(unwatched)" })
    }
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
    tenants: TenantWatch,
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
        Self { repo, ledger, payments, decoder, clock, rules, retry, lease: Duration::seconds(30), tenants: TenantWatch::default() }
    }

    /// Calls `watch` for each event that was recorded for, or names, another organization than
    /// the owner of its Stripe customer, before the event is applied to the owner: once per
    /// event, unless moving it to the owner's queue failed and it is tried again.
    #[must_use]
    pub fn on_tenant_disagreement(mut self, watch: impl Fn(&TenantDisagreement) + Send + Sync + 'static) -> Self {
        self.tenants = TenantWatch(Some(Arc::new(watch)));
        self
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
        // An event recorded for another organization than its customer's owner moves to the
        // owner's queue, so it runs in that organization's order.
        if claimed.org_id.as_ref() != Some(&org) {
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

    /// The organization an event belongs to: the owner of its Stripe customer first, because
    /// the organization an event names is chosen outside our control (a Payment Link buyer sets
    /// `client_reference_id`) and must never take a customer from its owner; a disagreement is
    /// reported. Then the organization the ledger recorded or the event names, then the owner
    /// of its subscription.
    async fn resolve_org(
        &self,
        claimed: &ClaimedEvent,
        hint: Option<OrgId>,
        customer: Option<&StripeCustomerId>,
        event: &StripeEvent,
    ) -> Result<Option<OrgId>, Failure> {
        // The ledger's organization comes first: once an event moved to its owner, a retry
        // names the owner and the disagreement is not reported twice.
        let named = claimed.org_id.clone().or(hint);
        if let Some(customer) = customer {
            if let Some(owner) = self.repo.find_by_customer(customer).await.map_err(repo_failure)? {
                if let Some(named) = named.filter(|n| n != &owner) {
                    self.tenants.report(claimed, customer, &owner, named);
                }
                return Ok(Some(owner));
            }
        }
        if named.is_some() {
            return Ok(named);
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
