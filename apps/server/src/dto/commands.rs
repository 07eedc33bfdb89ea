//! Request and response bodies of the commands: checkout, portal, verification, plan changes, quotes.

use billing_core::services::{CheckoutStarted, PlanChangeRequest, ProrationQuote};
use billing_core::{CheckoutSessionId, PlanId, Usage};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// `POST /api/billing/checkout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    /// The plan to buy, e.g. `team`.
    pub plan: String,
}

/// A plan id from a body; text that is not even an id names no plan of the catalog.
pub(crate) fn plan_id(raw: &str) -> Result<PlanId, ApiError> {
    PlanId::parse(raw).map_err(|_| ApiError::MalformedPlan)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutResponse {
    /// Redirect the customer here (top level: Checkout refuses frames).
    pub checkout_url: String,
    pub session_id: String,
    pub expires_at: DateTime<Utc>,
}

impl From<CheckoutStarted> for CheckoutResponse {
    fn from(s: CheckoutStarted) -> Self {
        Self { checkout_url: s.session.url, session_id: s.session.id.to_string(), expires_at: s.session.expires_at }
    }
}

/// `GET /api/billing/checkout`: a fresh Customer Portal link.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalResponse {
    pub portal_url: String,
}

/// `POST /api/billing/verify-session`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifySessionBody {
    /// The `session_id` Checkout appended to the success URL.
    pub session_id: String,
}

impl VerifySessionBody {
    pub fn session(&self) -> Result<CheckoutSessionId, ApiError> {
        CheckoutSessionId::parse(self.session_id.as_str()).map_err(|e| ApiError::InvalidRequest(format!("session_id: {e}")))
    }
}

/// Current usage, as the host application counts it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBody {
    #[serde(default)]
    pub users: u64,
    #[serde(default)]
    pub projects: u64,
    #[serde(default)]
    pub test_runs: u64,
}

/// `POST /api/billing/plan`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePlanBody {
    pub plan: String,
    /// A quote from `POST /api/billing/proration`: the change then costs exactly what it said.
    pub quote: Option<String>,
    /// Checked against a lower plan's limits before a downgrade.
    pub usage: Option<UsageBody>,
    /// Downgrade even when `usage` exceeds the lower plan's limits.
    #[serde(default)]
    pub force: bool,
}

impl ChangePlanBody {
    /// The request without its quote, which the caller verifies first.
    pub fn request(&self) -> Result<PlanChangeRequest, ApiError> {
        let usage = self.usage.as_ref().map(|u| Usage { test_runs: u.test_runs, users: u.users, projects: u.projects });
        Ok(PlanChangeRequest { plan: plan_id(&self.plan)?, quote: None, usage, force: self.force })
    }
}

/// `POST /api/billing/proration`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProrationBody {
    pub plan: String,
}

/// What a plan change costs, with a quote that locks it for ten minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProrationResponse {
    pub plan: String,
    /// `upgrade` (applies now) or `downgrade` (applies at `effective_at`, the period end).
    pub direction: &'static str,
    /// Charged now, in minor units: Stripe's proration for an upgrade, 0 for a downgrade.
    pub proration_amount: i64,
    /// The next regular invoice, at the new plan's price.
    pub next_invoice_amount: i64,
    pub currency: String,
    pub proration_date: DateTime<Utc>,
    pub effective_at: DateTime<Utc>,
    /// Pass to `POST /api/billing/plan` to pay exactly this amount.
    pub quote: String,
    pub quote_expires_at: DateTime<Utc>,
}

impl ProrationResponse {
    pub fn new(q: &ProrationQuote, quote: String, quote_expires_at: DateTime<Utc>) -> Self {
        let direction = match q.direction {
            billing_core::policy::ChangeDirection::Upgrade => "upgrade",
            billing_core::policy::ChangeDirection::Downgrade => "downgrade",
            billing_core::policy::ChangeDirection::Same => "same",
        };
        Self {
            plan: q.plan.to_string(),
            direction,
            proration_amount: q.charge_now().minor_units(),
            next_invoice_amount: q.next_invoice.minor_units(),
            currency: q.next_invoice.currency().to_string(),
            proration_date: q.proration_date,
            effective_at: q.effective_at,
            quote,
            quote_expires_at,
        }
    }
}
