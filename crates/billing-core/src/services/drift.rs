//! Reconciliation as a dry run: how the organization's state differs from what Stripe's
//! subscription says, field by field, without writing anything.

use std::fmt::Display;

use chrono::{DateTime, Utc};

use super::effects::settle_refetches;
use super::{BillingError, BillingService};
use crate::decide::{Decision, Outcome};
use crate::effect::Effect;
use crate::ids::OrgId;
use crate::ports::{BillingRepository, Clock, PaymentProvider};
use crate::state::BillingState;

/// One field whose stored value differs from the one Stripe's subscription implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDrift {
    pub field: &'static str,
    pub ours: String,
    pub stripe: String,
}

/// Every field that differs, in a fixed order; empty when the two agree.
pub fn drift(ours: &BillingState, stripe: &BillingState) -> Vec<FieldDrift> {
    let time = |t: Option<DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
    let text = |v: Option<&dyn Display>| v.map_or_else(|| "-".to_owned(), ToString::to_string);
    let fields = |s: &BillingState| {
        [
            ("plan", s.plan().to_string()),
            ("subscribed_plan", text(s.subscribed_plan().map(|p| p as &dyn Display))),
            ("status", s.status().as_str().to_owned()),
            ("cancel_at_period_end", s.cancel_at_period_end().to_string()),
            ("period_end", time(s.period().map(|p| p.end()))),
            (
                "scheduled_change",
                s.scheduled_change().map_or_else(|| "-".to_owned(), |c| format!("{} at {}", c.plan, c.effective_at.to_rfc3339())),
            ),
            ("grace_until", time(s.grace_until())),
            ("canceled_at", time(s.canceled_at())),
            ("subscription", text(s.subscription_id().map(|i| i as &dyn Display))),
        ]
    };
    fields(ours)
        .into_iter()
        .zip(fields(stripe))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, ours), (_, stripe))| FieldDrift { field, ours, stripe })
        .collect()
}

impl<R, P, C> BillingService<R, P, C>
where
    R: BillingRepository + ?Sized,
    P: PaymentProvider + ?Sized,
    C: Clock + ?Sized,
{
    /// What [`Self::reconcile`] would change: the organization's state against the state Stripe's
    /// subscription implies, field by field. Nothing is written. An organization without a live
    /// subscription has nothing to compare and shows no drift.
    ///
    /// # Errors
    /// Stripe or storage failures.
    pub async fn reconcile_preview(&self, org: &OrgId) -> Result<Vec<FieldDrift>, BillingError> {
        let state = self.state(org).await?;
        let Some(subscription) = state.subscription_id().filter(|_| !state.status().is_terminal()).cloned() else {
            return Ok(Vec::new());
        };
        let seed = Decision { state: state.clone(), effects: vec![Effect::RefetchSubscription(subscription)], outcome: Outcome::Applied };
        let settled = settle_refetches(&self.rules, self.payments.as_ref(), seed, self.clock.now()).await?;
        Ok(drift(&state, &settled.state))
    }
}
