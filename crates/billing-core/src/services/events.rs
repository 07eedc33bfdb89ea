//! Processing recorded Stripe events: claim, decode, resolve the organization, decide, commit.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use self::failure::{ledger_failure, settled, undecodable, Failure};
use super::intake::{mode_mismatch, StripeMode};
use super::tenancy::{TenantDisagreement, TenantWatch};
use crate::decide::Rules;
use crate::ids::OrgId;
use crate::input::StripeEvent;
use crate::ports::{
    Assignment, BillingRepository, ClaimedEvent, Clock, EventDecoder, EventDisposition, LedgerError, PaymentProvider, WebhookLedger,
};
use crate::retry::{jitter, Persistence, RetryDecision, RetryPolicy};

mod apply;
mod batch;
mod failure;
mod owner;

/// A claimed event ready for a decision, or one that needed none and is finished.
enum Prepared {
    Done(EventDisposition),
    /// Boxed: an event is far larger than a disposition.
    Apply(OrgId, Box<StripeEvent>),
}

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
    expected_mode: Option<StripeMode>,
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
        Self {
            repo,
            ledger,
            payments,
            decoder,
            clock,
            rules,
            retry,
            lease: Duration::seconds(30),
            tenants: TenantWatch::default(),
            expected_mode: None,
        }
    }

    /// Calls `watch` for each event that was recorded for, or names, another organization than
    /// the owner of its Stripe customer, before the event is applied to the owner: once per
    /// event, unless moving it to the owner's queue failed and it is tried again.
    #[must_use]
    pub fn on_tenant_disagreement(mut self, watch: impl Fn(&TenantDisagreement) + Send + Sync + 'static) -> Self {
        self.tenants = TenantWatch::new(watch);
        self
    }

    /// Applies only events of `mode` (`None` applies both), as the intake records them; others
    /// are finished as ignored. The intake already sets them aside, so this catches an event an
    /// operator replays, or one recorded before the mode was configured.
    #[must_use]
    pub fn expecting_mode(mut self, mode: Option<StripeMode>) -> Self {
        self.expected_mode = mode;
        self
    }

    /// Leases up to `limit` due events to `holder`, for [`Self::process_batch`].
    ///
    /// # Errors
    /// [`LedgerError`] when the ledger cannot be read or updated.
    pub async fn claim(&self, holder: &str, limit: u32) -> Result<Vec<ClaimedEvent>, LedgerError> {
        self.ledger.claim_due(holder, self.clock.now(), self.lease, limit).await
    }

    /// Claims up to `limit` due events for `holder` and processes them as one batch, as the
    /// server's workers do.
    ///
    /// # Errors
    /// [`LedgerError`] when the ledger cannot be read or an outcome cannot be written.
    pub async fn run_batch(&self, holder: &str, limit: u32) -> Result<Vec<(ClaimedEvent, ProcessOutcome)>, LedgerError> {
        let claimed = self.claim(holder, limit).await?;
        let outcomes = self.process_batch(&claimed).await;
        let mut out = Vec::with_capacity(claimed.len());
        for (event, outcome) in claimed.into_iter().zip(outcomes) {
            out.push((event, outcome?));
        }
        Ok(out)
    }

    /// Processes one claimed event to an end state in the ledger.
    ///
    /// # Errors
    /// [`LedgerError`] when the outcome cannot be written to the ledger.
    pub async fn process(&self, event: &ClaimedEvent) -> Result<ProcessOutcome, LedgerError> {
        let attempted = match self.prepare(event).await {
            Ok(Prepared::Done(disposition)) => Ok(disposition),
            Ok(Prepared::Apply(org, fact)) => self.apply(event, &org, *fact).await,
            Err(failure) => Err(failure),
        };
        self.conclude(event, attempted).await
    }

    /// Writes to the ledger how an attempt at `event` ended, unless it already is.
    async fn conclude(&self, event: &ClaimedEvent, attempted: Result<EventDisposition, Failure>) -> Result<ProcessOutcome, LedgerError> {
        match attempted {
            Ok(disposition) => Ok(ProcessOutcome::Done(disposition)),
            Err(Failure::LeaseLost) => Ok(ProcessOutcome::LeaseLost),
            Err(Failure::HandedBack) => Ok(ProcessOutcome::HandedBack),
            Err(Failure::Fatal(reason)) => self.give_up(event, reason).await,
            Err(Failure::Retry(persistence, reason)) => self.retry_later(event, persistence, reason).await,
            Err(Failure::Unowned) => self.unowned(event).await,
        }
    }

    /// Records that processing `event` panicked with `panic`: a failed attempt like any other
    /// whose cause lies with the event, so an event that keeps panicking is dead-lettered after
    /// the attempts cap instead of taking down one worker after another.
    ///
    /// # Errors
    /// [`LedgerError`] when the failure cannot be written to the ledger.
    pub async fn fail_panicked(&self, event: &ClaimedEvent, panic: &str) -> Result<ProcessOutcome, LedgerError> {
        self.retry_later(event, Persistence::Persistent, format!("processing panicked: {panic}")).await
    }

    async fn give_up(&self, event: &ClaimedEvent, reason: String) -> Result<ProcessOutcome, LedgerError> {
        let written = self.ledger.dead_letter(&event.id, &event.holder, &reason, self.clock.now()).await;
        settled(written, ProcessOutcome::Dead { reason })
    }

    /// An event no known organization owns is retried for a while, because the organization may
    /// appear once an earlier event is applied (EC-10). After the policy's window it is taken for
    /// another product's event on the same Stripe account and set aside as ignored, never dead:
    /// nothing is wrong with it, and an operator can still replay it.
    async fn unowned(&self, event: &ClaimedEvent) -> Result<ProcessOutcome, LedgerError> {
        let now = self.clock.now();
        if now - event.received_at < self.retry.unowned_window {
            return self.retry_later(event, Persistence::Transient, "organization not known yet".to_owned()).await;
        }
        let reason = "no organization owns the event's customer or subscription; taken for another product's event";
        settled(self.ledger.ignore(&event.id, &event.holder, reason, now).await, ProcessOutcome::Done(EventDisposition::Ignored))
    }

    async fn retry_later(&self, event: &ClaimedEvent, persistence: Persistence, reason: String) -> Result<ProcessOutcome, LedgerError> {
        let attempt = event.attempts.saturating_add(1);
        let age = self.clock.now() - event.received_at;
        match self.retry.after(persistence, attempt, age, jitter(event.id.as_str(), event.attempts)) {
            RetryDecision::GiveUp => self.give_up(event, reason).await,
            RetryDecision::RetryIn(delay) => {
                let at = self.clock.now() + delay;
                settled(self.ledger.fail(&event.id, &event.holder, &reason, at).await, ProcessOutcome::Retry { at, reason })
            }
        }
    }

    /// Everything before deciding: the lease-expiry cap, decoding, the mode, the organization.
    /// An event that needs no decision is finished here.
    async fn prepare(&self, claimed: &ClaimedEvent) -> Result<Prepared, Failure> {
        if claimed.lease_expiries >= self.retry.max_lease_expiries {
            return Err(Failure::Fatal(format!(
                "the lease ran out {} times before a worker finished it (a crash or a stall while applying it); set aside for an operator",
                claimed.lease_expiries
            )));
        }
        let decoded = self.decoder.decode(&claimed.payload).map_err(undecodable)?;
        let received = StripeMode::of(decoded.livemode);
        if let Some(expected) = self.expected_mode.filter(|m| *m != received) {
            let reason = mode_mismatch(expected, received);
            self.ledger.ignore(&claimed.id, &claimed.holder, &reason, self.clock.now()).await.map_err(ledger_failure)?;
            return Ok(Prepared::Done(EventDisposition::Ignored));
        }
        let Some(event) = decoded.event else {
            return self.finish(claimed, EventDisposition::Ignored).await.map(Prepared::Done);
        };
        let Some(org) = self.resolve_org(claimed, decoded.org_hint, decoded.customer.as_ref(), &event).await? else {
            return Err(Failure::Unowned);
        };
        // An event recorded for another organization than its customer's owner moves to the
        // owner's queue, so it runs in that organization's order.
        if claimed.org_id.as_ref() != Some(&org) {
            match self.ledger.assign_org(&claimed.id, &claimed.holder, &org, self.clock.now()).await.map_err(ledger_failure)? {
                Assignment::Proceed => {}
                Assignment::HandedBack => return Err(Failure::HandedBack),
            }
        }
        Ok(Prepared::Apply(org, Box::new(event)))
    }

    async fn finish(&self, claimed: &ClaimedEvent, disposition: EventDisposition) -> Result<EventDisposition, Failure> {
        self.ledger.complete(&claimed.id, &claimed.holder, disposition, self.clock.now()).await.map_err(ledger_failure)?;
        Ok(disposition)
    }
}
