//! Draining the notification outbox into the notifier port.

use std::sync::Arc;

use chrono::Duration;

use crate::ports::{BillingRepository, Clock, Notifier, NotifyError, RepositoryError};

/// Delivers outbox notices; a notice is marked delivered only after the notifier accepted it.
#[derive(Debug)]
pub struct NotificationDispatcher<R: ?Sized, N: ?Sized, C: ?Sized> {
    repo: Arc<R>,
    notifier: Arc<N>,
    clock: Arc<C>,
    lease: Duration,
}

impl<R: BillingRepository + ?Sized, N: Notifier + ?Sized, C: Clock + ?Sized> NotificationDispatcher<R, N, C> {
    pub fn new(repo: Arc<R>, notifier: Arc<N>, clock: Arc<C>) -> Self {
        Self { repo, notifier, clock, lease: Duration::seconds(60) }
    }

    /// How long a claimed notice is held before it is offered again (default 60 s), which is
    /// also the retry delay after a failed delivery.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Delivers up to `limit` notices; returns how many were delivered. A notice whose delivery
    /// fails stays in the outbox and is offered again when its lease runs out.
    ///
    /// # Errors
    /// [`RepositoryError`] when the outbox cannot be read or updated.
    pub async fn deliver(&self, limit: u32) -> Result<usize, RepositoryError> {
        let now = self.clock.now();
        let items = self.repo.claim_outbox(now, now + self.lease, limit).await?;
        let mut delivered = 0;
        for item in items {
            match self.notifier.notify(&item).await {
                Ok(()) | Err(NotifyError::NoRecipient(_)) => {
                    self.repo.outbox_delivered(item.id, self.clock.now()).await?;
                    delivered += 1;
                }
                Err(NotifyError::Unavailable | NotifyError::Unknown(_)) => {}
            }
        }
        Ok(delivered)
    }
}
