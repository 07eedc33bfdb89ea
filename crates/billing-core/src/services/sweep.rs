//! Reconciling every organization with a live subscription, page by page: the operator's
//! `orgs reconcile --all`, and the dry run the server can repeat to measure drift.

use std::future::Future;

use super::{drift, BillingError, BillingService, FieldDrift};
use crate::ids::OrgId;
use crate::input::Actor;
use crate::ports::{BillingRepository, Clock, PaymentProvider};

/// What a sweep does to each organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepMode {
    /// Compare with Stripe and write nothing.
    DryRun,
    /// Apply Stripe's subscription, audited as a reconcile by this actor.
    Apply(Actor),
}

/// What a sweep found. Organizations that agree with Stripe are only counted.
#[derive(Debug, Default)]
pub struct SweepReport {
    /// Organizations visited.
    pub checked: usize,
    /// Organizations whose state differed from Stripe's, with the fields that differ (a dry
    /// run) or that were changed.
    pub drifted: Vec<(OrgId, Vec<FieldDrift>)>,
    /// Organizations that could not be reconciled, with why; the sweep went on past each.
    pub failed: Vec<(OrgId, BillingError)>,
}

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// Up to `limit` organizations with a live subscription, by id, after `after`.
    ///
    /// # Errors
    /// [`BillingError::Repository`] when storage fails.
    pub async fn paid_orgs_page(&self, after: Option<&OrgId>, limit: u32) -> Result<Vec<OrgId>, BillingError> {
        Ok(self.repo.paid_orgs(after.cloned(), limit).await?)
    }

    /// Reconciles one organization in `mode`, returning the fields that differed from Stripe.
    ///
    /// # Errors
    /// Stripe or storage failures.
    pub async fn reconcile_in(&self, org: &OrgId, mode: &SweepMode) -> Result<Vec<FieldDrift>, BillingError> {
        match mode {
            SweepMode::DryRun => self.reconcile_preview(org).await,
            SweepMode::Apply(actor) => {
                let before = self.state(org).await?;
                let after = self.reconcile(org, actor.clone()).await?;
                Ok(drift(&before, &after))
            }
        }
    }

    /// Reconciles, in `mode`, every organization with a live subscription, `page_size` at a time
    /// in id order. `pause` is awaited between two organizations, so that the caller paces the
    /// Stripe reads (one per organization) well under Stripe's rate limit. One organization's
    /// failure is reported and the sweep goes on; organizations added while it runs are visited
    /// when their id comes after the current one.
    ///
    /// # Errors
    /// [`BillingError::Repository`] when a page of organizations cannot be read.
    pub async fn sweep_paid_orgs<F, Fut>(&self, mode: &SweepMode, page_size: u32, mut pause: F) -> Result<SweepReport, BillingError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = ()>,
    {
        let page_size = page_size.max(1);
        let mut report = SweepReport::default();
        let mut after: Option<OrgId> = None;
        loop {
            let page = self.paid_orgs_page(after.as_ref(), page_size).await?;
            let full = page.len() >= usize::try_from(page_size).unwrap_or(usize::MAX);
            after = page.last().cloned();
            for org in page {
                if report.checked > 0 {
                    pause().await;
                }
                report.checked += 1;
                match self.reconcile_in(&org, mode).await {
                    Ok(fields) if fields.is_empty() => {}
                    Ok(fields) => report.drifted.push((org, fields)),
                    Err(error) => report.failed.push((org, error)),
                }
            }
            if !full {
                return Ok(report);
            }
        }
    }
}
