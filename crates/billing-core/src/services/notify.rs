//! Draining the notification outbox into the notifier port.

use std::sync::Arc;

use chrono::Duration;

use super::watch::Watch;
use crate::notice::Notice;
use crate::ports::{BillingRepository, Clock, Notifier, NotifyError, OutboxItem, RepositoryError, UndecodableNotice};
use crate::retry::{RetryDecision, RetryPolicy};

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    /// Dropped because nobody can receive them ([`NotifyError::NoRecipient`]).
    pub no_recipient: usize,
    /// Failed; offered again after a backoff.
    pub failed: usize,
    /// Unreadable outbox rows, dead-lettered so they cannot hold up the others.
    pub dead: usize,
}

/// Delivers outbox notices; a notice is marked delivered only after the notifier accepted it.
///
/// A claim holds its notices for `lease`; a notice is only sent while at least `send_budget`
/// (the notifier's longest call) of the lease remains, so another instance cannot take it over
/// while it is still being sent. Failed notices are offered again after an exponential backoff
/// (one minute doubling to six hours by default), never dropped. A row the store cannot read
/// back as a notice is dead-lettered on the spot, and the rest of its claim is delivered.
#[derive(Debug)]
pub struct NotificationDispatcher<R: ?Sized, N: ?Sized, C: ?Sized> {
    repo: Arc<R>,
    notifier: Arc<N>,
    clock: Arc<C>,
    lease: Duration,
    send_budget: Duration,
    retry: RetryPolicy,
    settled: Watch<Notice>,
}

impl<R: BillingRepository + ?Sized, N: Notifier + ?Sized, C: Clock + ?Sized> NotificationDispatcher<R, N, C> {
    pub fn new(repo: Arc<R>, notifier: Arc<N>, clock: Arc<C>) -> Self {
        let retry = retry_policy(Duration::minutes(1), Duration::hours(6));
        Self { repo, notifier, clock, lease: Duration::seconds(60), send_budget: Duration::seconds(15), retry, settled: Watch::default() }
    }

    /// Calls `watch` once for each notice the notifier accepted or that nobody can receive,
    /// before it is marked done; a notice offered again (its mark was lost) is reported again.
    #[must_use]
    pub fn on_settled(mut self, watch: impl Fn(&Notice) + Send + Sync + 'static) -> Self {
        self.settled = Watch::new(watch);
        self
    }

    /// The first retry delay after a failed delivery (default one minute); later ones double
    /// up to the cap (default six hours).
    #[must_use]
    pub fn with_retry(mut self, first: Duration, cap: Duration) -> Self {
        self.retry = retry_policy(first, cap);
        self
    }

    /// Delivers up to `limit` notices.
    ///
    /// # Errors
    /// [`RepositoryError`] when the outbox cannot be read or updated.
    pub async fn deliver(&self, limit: u32) -> Result<DeliveryReport, RepositoryError> {
        let now = self.clock.now();
        let lease_until = now + self.lease;
        let claim = self.repo.claim_outbox(now, lease_until, limit).await?;
        let mut report = DeliveryReport::default();
        for unreadable in &claim.undecodable {
            self.dead_letter(unreadable).await?;
            report.dead += 1;
        }
        for item in claim.items {
            // The rest stay leased and are offered again when the lease runs out.
            if self.clock.now() + self.send_budget > lease_until {
                break;
            }
            self.deliver_one(&item, &mut report).await?;
        }
        Ok(report)
    }

    /// Retrying cannot make a row readable, so it is set aside with the reason for the operator.
    async fn dead_letter(&self, unreadable: &UndecodableNotice) -> Result<(), RepositoryError> {
        let reason = format!("undecodable notice: {}", unreadable.reason);
        self.repo.outbox_dead_letter(unreadable.id, &reason, self.clock.now()).await
    }

    async fn deliver_one(&self, item: &OutboxItem, report: &mut DeliveryReport) -> Result<(), RepositoryError> {
        match self.notifier.notify(item).await {
            Ok(()) => report.delivered += 1,
            Err(NotifyError::NoRecipient(_)) => report.no_recipient += 1,
            Err(NotifyError::Unavailable | NotifyError::Unknown(_)) => {
                report.failed += 1;
                let attempt = item.attempts.saturating_add(1);
                let RetryDecision::RetryIn(delay) = self.retry.after_failure(attempt, jitter(item.id)) else {
                    // Unreachable with an unbounded attempt count; keep the notice leased.
                    return Ok(());
                };
                return self.repo.outbox_retry_at(item.id, self.clock.now() + delay).await;
            }
        }
        self.settled.tell(&item.notice);
        self.repo.outbox_delivered(item.id, self.clock.now()).await
    }
}

/// Backoff from `first` doubling up to `cap`, never giving up: a notice is only dropped when
/// nobody can receive it.
fn retry_policy(first: Duration, cap: Duration) -> RetryPolicy {
    RetryPolicy { base: first, cap, max_attempts: u32::MAX, ..RetryPolicy::default() }
}

/// A spread in `[0, 1)` per notice, so a receiver's outage is not followed by a burst.
fn jitter(id: i64) -> f64 {
    // The remainder is below 100, so the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let spread = id.rem_euclid(100) as f64;
    spread / 100.0
}
