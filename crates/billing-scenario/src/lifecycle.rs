//! The subscription lifecycle the demo shows and the end-to-end suite checks: subscribe, upgrade
//! with proration, schedule a downgrade, renew onto it, fail a renewal, recover, cancel, end.

use chrono::{DateTime, Duration, Utc};

use crate::api::ServerApi;
use crate::error::ScenarioError;
use crate::sim::{SimApi, TestCard};
use crate::snapshot::Snapshot;

/// One step's outcome: what was done, what it cost, and the state it left.
#[derive(Debug, Clone)]
pub struct Step {
    pub title: String,
    pub detail: Option<String>,
    pub state: Snapshot,
}

/// How far past a boundary an advance goes, so everything due at it has run.
const PAST: Duration = Duration::hours(1);

/// The journey of one organization, remembering its Stripe customer once it has one.
#[derive(Debug)]
pub struct Lifecycle {
    pub api: ServerApi,
    pub sim: SimApi,
    customer: Option<String>,
}

fn step(title: impl Into<String>, detail: Option<String>, state: Snapshot) -> Step {
    Step { title: title.into(), detail, state }
}

impl Lifecycle {
    pub fn new(api: ServerApi, sim: SimApi) -> Self {
        Self { api, sim, customer: None }
    }

    /// Runs every step in order, handing each to `report` as it completes.
    ///
    /// # Errors
    /// The first step whose expected state does not arrive, or any request that fails.
    pub async fn run(&mut self, mut report: impl FnMut(&Step)) -> Result<Vec<Step>, ScenarioError> {
        let mut steps = Vec::new();
        let mut keep = |step: Step| {
            report(&step);
            steps.push(step);
        };
        keep(self.subscribe("team").await?);
        keep(self.upgrade("enterprise").await?);
        keep(self.schedule_downgrade("solo").await?);
        keep(self.renew_onto_the_scheduled_plan().await?);
        keep(self.card_starts_failing().await?);
        keep(self.recover().await?);
        keep(self.cancel_at_period_end().await?);
        keep(self.end().await?);
        Ok(steps)
    }

    /// Opens a checkout for `plan`, pays it with 4242 and waits for the signed webhooks.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn subscribe(&mut self, plan: &str) -> Result<Step, ScenarioError> {
        let session = self.api.checkout(plan).await?;
        self.customer = Some(self.sim.session_customer(&session).await?);
        self.sim.complete_checkout(&session, TestCard::Succeeds).await?;
        // Events may arrive in any order: the step ends once the period is known as well.
        let subscribed = |s: &Snapshot| s.plan == plan && s.status == "active" && s.current_period_end.is_some();
        let state = self.api.wait_until(&format!("{plan}, active, with its period"), subscribed).await?;
        Ok(step(format!("Subscribe to {plan} with 4242 4242 4242 4242"), None, state))
    }

    /// Quotes the upgrade to `plan`, then makes it paying exactly the quote.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn upgrade(&self, plan: &str) -> Result<Step, ScenarioError> {
        let quote = self.api.proration(plan).await?;
        self.api.change_plan(plan, Some(&quote.quote)).await?;
        let state = self.api.wait_until(&format!("{plan} now"), |s| s.plan == plan).await?;
        let detail = format!("proration charged now {}, next invoice {}", quote.charge_now, quote.next_invoice);
        Ok(step(format!("Upgrade to {plan}"), Some(detail), state))
    }

    /// Asks for `plan` at the period end.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn schedule_downgrade(&self, plan: &str) -> Result<Step, ScenarioError> {
        self.api.change_plan(plan, None).await?;
        let expected = format!("a change to {plan} scheduled");
        let state = self.api.wait_until(&expected, |s| s.scheduled_change.as_ref().is_some_and(|c| c.plan == plan)).await?;
        Ok(step(format!("Schedule a downgrade to {plan} at the period end"), None, state))
    }

    /// Moves time past the period end; the renewal is on the scheduled plan.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn renew_onto_the_scheduled_plan(&self) -> Result<Step, ScenarioError> {
        let before = self.api.subscription().await?;
        let next = before.scheduled_change.as_ref().map_or_else(|| before.plan.clone(), |c| c.plan.clone());
        let end = self.advance_past_period_end(&before).await?;
        let renewed = |s: &Snapshot| {
            let paid = s.last_payment.as_ref().is_some_and(|p| p.at >= end);
            s.plan == next && s.scheduled_change.is_none() && s.current_period_end > Some(end) && paid
        };
        let state = self.api.wait_until(&format!("renewed on {next} and paid"), renewed).await?;
        Ok(step("Advance past the period end", None, state))
    }

    /// Switches the saved card to one whose charges fail, then moves past the period end.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn card_starts_failing(&self) -> Result<Step, ScenarioError> {
        self.sim.set_card(self.customer()?, TestCard::FailsAfterAttaching).await?;
        let before = self.api.subscription().await?;
        self.advance_past_period_end(&before).await?;
        let failed = |s: &Snapshot| s.status == "past_due" && s.failed_payment.is_some() && s.grace_until.is_some();
        let state = self.api.wait_until("past due with grace", failed).await?;
        Ok(step("Card starts failing (4000 0000 0000 0341); advance past the period end", None, state))
    }

    /// Puts a working card back and lets the next automatic retry, a day later, pay.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn recover(&self) -> Result<Step, ScenarioError> {
        self.sim.set_card(self.customer()?, TestCard::Succeeds).await?;
        let now = self.sim.now().await?;
        self.sim.advance_to(now + Duration::days(1) + PAST).await?;
        let state = self.api.wait_until("active again", |s| s.status == "active" && s.failed_payment.is_none()).await?;
        Ok(step("Update the card to 4242; the retry a day later pays", None, state))
    }

    /// Cancels at the period end; the plan stays until then.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn cancel_at_period_end(&self) -> Result<Step, ScenarioError> {
        self.api.cancel().await?;
        let state = self.api.wait_until("canceling at the period end", |s| s.cancel_at_period_end).await?;
        Ok(step("Cancel at the period end", None, state))
    }

    /// Moves past the period end of a canceling subscription: the organization is on free.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn end(&self) -> Result<Step, ScenarioError> {
        let before = self.api.subscription().await?;
        self.advance_past_period_end(&before).await?;
        let state = self.api.wait_until("free, canceled", |s| s.plan == "free" && s.status == "canceled").await?;
        Ok(step("Advance past the period end", None, state))
    }

    /// The organization's Stripe customer, known once it subscribed.
    ///
    /// # Errors
    /// [`ScenarioError::Missing`] before [`Lifecycle::subscribe`].
    pub fn customer(&self) -> Result<&str, ScenarioError> {
        self.customer.as_deref().ok_or_else(|| ScenarioError::missing("the lifecycle", "customer (subscribe first)"))
    }

    /// Advances an hour past `state`'s period end; answers that end.
    async fn advance_past_period_end(&self, state: &Snapshot) -> Result<DateTime<Utc>, ScenarioError> {
        let end = state.current_period_end.ok_or_else(|| ScenarioError::missing("the subscription", "current_period_end"))?;
        self.sim.advance_to(end + PAST).await?;
        Ok(end)
    }
}
