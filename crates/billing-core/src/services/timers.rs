//! Running due timers: period ends Stripe has not reported yet, grace expiry, checkout expiry.

use super::effects::commit_if_needed;
use super::{BillingError, BillingService, MAX_CONFLICT_RETRIES};
use crate::decide::{decide, due_timers, TransitionError};
use crate::ids::OrgId;
use crate::input::{Actor, Input};
use crate::ports::{BillingRepository, Clock, PaymentProvider, RepositoryError};

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// Fires every due timer of up to `limit` organizations; returns how many timers fired.
    /// Safe with many instances: the version check lets one instance win, and the others find
    /// the timer no longer due.
    ///
    /// # Errors
    /// [`BillingError::Repository`] when storage fails.
    pub async fn run_due_timers(&self, limit: u32) -> Result<usize, BillingError> {
        let now = self.clock.now();
        let mut fired = 0;
        for org in self.repo.due_timers(now, limit).await? {
            fired += self.fire_timers(&org).await?;
        }
        Ok(fired)
    }

    async fn fire_timers(&self, org: &OrgId) -> Result<usize, BillingError> {
        let mut fired = 0;
        let mut conflicts = 0;
        loop {
            let loaded = self.state(org).await?;
            let now = self.clock.now();
            let Some(timer) = due_timers(&self.rules, &loaded, now).into_iter().next() else { return Ok(fired) };
            let decision = match decide(&self.rules, &loaded, Input::Timer(timer), now) {
                Ok(d) => d,
                Err(TransitionError::TimerNotDue(_)) => return Ok(fired),
                Err(e) => return Err(e.into()),
            };
            // A due timer always changes the state; if one ever did not, firing it again would loop.
            if !decision.changes(&loaded) {
                return Ok(fired);
            }
            match commit_if_needed(self.repo.as_ref(), &self.rules, &loaded, &decision, now).await {
                Ok(_) => fired += 1,
                Err(RepositoryError::VersionConflict { .. }) if conflicts < MAX_CONFLICT_RETRIES => conflicts += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Reconciles the organizations most likely to have missed news: those in `past_due`.
    /// Returns how many were reconciled; one failure does not stop the others.
    ///
    /// # Errors
    /// [`BillingError::Repository`] when the list cannot be read.
    pub async fn reconcile_past_due(&self, limit: u32) -> Result<usize, BillingError> {
        let mut done = 0;
        for org in self.repo.past_due(limit).await? {
            if self.reconcile(&org, Actor::System).await.is_ok() {
                done += 1;
            }
        }
        Ok(done)
    }

    /// How many organizations are in `past_due`.
    ///
    /// # Errors
    /// [`BillingError::Repository`] when storage fails.
    pub async fn past_due_count(&self) -> Result<u64, BillingError> {
        Ok(self.repo.past_due_count().await?)
    }
}
