//! The catalog as a pricing page shows it, and the limits in force at a given time.

use billing_core::entitlements::ChangeReason;
use billing_core::offer::PlanOffer;
use billing_core::Entitlements;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::LimitsDto;

/// A plan's price: integer minor units beside the currency, per interval.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanPriceDto {
    pub amount: i64,
    pub currency: String,
    /// Plans are billed monthly.
    pub interval: &'static str,
}

/// One plan as offered to the caller's organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    pub id: String,
    pub name: String,
    pub price: PlanPriceDto,
    pub limits: LimitsDto,
    /// The plan the organization is on.
    pub current: bool,
    /// What choosing it does: `checkout`, `upgrade`, `downgrade` or `manage`; `null` when nothing applies.
    pub action: Option<&'static str>,
}

impl From<PlanOffer<'_>> for PlanDto {
    fn from(o: PlanOffer<'_>) -> Self {
        let price = o.plan.monthly_price();
        Self {
            id: o.plan.id().to_string(),
            name: o.plan.name().to_owned(),
            price: PlanPriceDto { amount: price.minor_units(), currency: price.currency().to_string(), interval: "month" },
            limits: o.plan.limits().into(),
            current: o.current,
            action: o.action.map(|a| a.as_str()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlansResponse {
    pub plans: Vec<PlanDto>,
}

/// The next known change of plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextChangeDto {
    pub at: DateTime<Utc>,
    pub plan: String,
    pub limits: LimitsDto,
    /// `scheduled_change`, `cancel_at_period_end` or `grace_ends`.
    pub reason: &'static str,
}

/// The plan and limits in force at `at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntitlementsResponse {
    pub at: DateTime<Utc>,
    pub plan: String,
    pub limits: LimitsDto,
    pub next_change: Option<NextChangeDto>,
}

impl EntitlementsResponse {
    pub fn new(at: DateTime<Utc>, e: Entitlements) -> Self {
        let next_change = e.next_change.map(|c| NextChangeDto {
            at: c.at,
            plan: c.plan.to_string(),
            limits: c.limits.into(),
            reason: match c.reason {
                ChangeReason::ScheduledChange => "scheduled_change",
                ChangeReason::CancelAtPeriodEnd => "cancel_at_period_end",
                ChangeReason::GraceEnds => "grace_ends",
            },
        });
        Self { at, plan: e.plan.to_string(), limits: e.limits.into(), next_change }
    }
}
