//! The plan catalog: which plans exist, what they cost, what they allow, and which Stripe price sells them.

mod document;

use crate::ids::{PlanId, StripePriceId};
use crate::money::{Currency, Money};

pub use document::CatalogDocumentError;

/// One limit of a plan: a ceiling or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    Max(u64),
    Unlimited,
}

impl Limit {
    /// True when `used` more units would still be within the limit.
    pub fn allows(&self, used: u64) -> bool {
        match self {
            Limit::Max(max) => used <= *max,
            Limit::Unlimited => true,
        }
    }
}

/// What an organization may use while a plan applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    pub max_test_runs: Limit,
    pub max_users: Limit,
    pub max_projects: Limit,
}

/// Which limit of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitKind {
    TestRuns,
    Users,
    Projects,
}

impl LimitKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            LimitKind::TestRuns => "test_runs",
            LimitKind::Users => "users",
            LimitKind::Projects => "projects",
        }
    }
}

/// What an organization uses now, as the host application counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub test_runs: u64,
    pub users: u64,
    pub projects: u64,
}

/// One limit that a usage is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitExceeded {
    pub limit: LimitKind,
    pub allowed: u64,
    pub used: u64,
}

impl Limits {
    /// Every limit `usage` is over, in a fixed order (test runs, users, projects).
    pub fn exceeded_by(&self, usage: &Usage) -> Vec<LimitExceeded> {
        [
            (LimitKind::TestRuns, self.max_test_runs, usage.test_runs),
            (LimitKind::Users, self.max_users, usage.users),
            (LimitKind::Projects, self.max_projects, usage.projects),
        ]
        .into_iter()
        .filter_map(|(limit, max, used)| match max {
            Limit::Max(allowed) if !max.allows(used) => Some(LimitExceeded { limit, allowed, used }),
            Limit::Max(_) | Limit::Unlimited => None,
        })
        .collect()
    }
}

/// A plan of the catalog. Fields are private; build plans through [`Catalog`] loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    id: PlanId,
    name: String,
    rank: u32,
    monthly_price: Money,
    limits: Limits,
    stripe_price: Option<StripePriceId>,
}

impl Plan {
    pub fn id(&self) -> &PlanId {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Higher rank means a bigger plan; moving up is an upgrade.
    pub fn rank(&self) -> u32 {
        self.rank
    }
    pub fn monthly_price(&self) -> Money {
        self.monthly_price
    }
    pub fn limits(&self) -> Limits {
        self.limits
    }
    /// The Stripe price that sells this plan, if one is configured.
    pub fn stripe_price(&self) -> Option<&StripePriceId> {
        self.stripe_price.as_ref()
    }
    /// True for plans that cost money.
    pub fn is_paid(&self) -> bool {
        self.monthly_price.minor_units() > 0
    }
}

/// Why a catalog was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("the catalog has no plans")]
    Empty,
    #[error("plan id `{0}` appears more than once")]
    DuplicatePlan(PlanId),
    #[error("Stripe price `{0}` is used by more than one plan")]
    DuplicatePrice(StripePriceId),
    #[error("rank {0} is used by more than one plan")]
    DuplicateRank(u32),
    #[error("the free plan `{0}` is not in the catalog")]
    MissingFreePlan(PlanId),
    #[error("the free plan `{0}` must cost nothing, have the lowest rank and no Stripe price")]
    FreePlanNotFree(PlanId),
    #[error("plan `{0}` costs nothing but is not the free plan")]
    PaidPlanWithoutPrice(PlanId),
    #[error("plan `{0}` has a negative price")]
    NegativePrice(PlanId),
    #[error("all plans must share one currency; `{0}` differs")]
    MixedCurrencies(PlanId),
    #[error("plan `{0}` is not in the catalog")]
    UnknownPlan(PlanId),
}

/// A validated set of plans with one free plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    plans: Vec<Plan>,
    free: PlanId,
}

/// Input for building a plan; used by the document loader and by tests.
#[derive(Debug, Clone)]
pub struct PlanSpec {
    pub id: PlanId,
    pub name: String,
    pub rank: u32,
    pub monthly_price: Money,
    pub limits: Limits,
    pub stripe_price: Option<StripePriceId>,
}

impl Catalog {
    /// Builds and validates a catalog.
    ///
    /// # Errors
    /// A [`CatalogError`] naming the first rule the plans break.
    pub fn new(specs: Vec<PlanSpec>, free: PlanId) -> Result<Self, CatalogError> {
        let plans: Vec<Plan> = specs
            .into_iter()
            .map(|s| Plan {
                id: s.id,
                name: s.name,
                rank: s.rank,
                monthly_price: s.monthly_price,
                limits: s.limits,
                stripe_price: s.stripe_price,
            })
            .collect();
        validate(&plans, &free)?;
        Ok(Self { plans, free })
    }

    /// The catalog the service ships with: free, solo, team and enterprise in US dollars.
    pub fn default_catalog() -> Self {
        document::default_catalog()
    }

    /// Loads a catalog from a TOML document (see `docs/plans.md`).
    ///
    /// # Errors
    /// [`CatalogDocumentError`] when the document does not parse or breaks a rule.
    pub fn from_toml(text: &str) -> Result<Self, CatalogDocumentError> {
        document::from_toml(text)
    }

    /// Loads a catalog from a JSON document with the same shape as the TOML one.
    ///
    /// # Errors
    /// [`CatalogDocumentError`] when the document does not parse or breaks a rule.
    pub fn from_json(text: &str) -> Result<Self, CatalogDocumentError> {
        document::from_json(text)
    }

    /// Returns a copy where `plan` is sold through `price` (for prices given by configuration).
    ///
    /// # Errors
    /// [`CatalogError::UnknownPlan`], or a validation error such as a price used twice.
    pub fn with_stripe_price(&self, plan: &PlanId, price: StripePriceId) -> Result<Self, CatalogError> {
        let mut next = self.clone();
        let target = next.plans.iter_mut().find(|p| &p.id == plan).ok_or_else(|| CatalogError::UnknownPlan(plan.clone()))?;
        target.stripe_price = Some(price);
        validate(&next.plans, &next.free)?;
        Ok(next)
    }

    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    pub fn plan(&self, id: &PlanId) -> Option<&Plan> {
        self.plans.iter().find(|p| &p.id == id)
    }

    /// The plan every organization starts on and falls back to.
    pub fn free_plan(&self) -> &Plan {
        // Validation guarantees the free plan exists; the fallback keeps this total.
        self.plan(&self.free).unwrap_or(&self.plans[0])
    }

    /// The plan sold through a Stripe price.
    pub fn plan_for_price(&self, price: &StripePriceId) -> Option<&Plan> {
        self.plans.iter().find(|p| p.stripe_price.as_ref() == Some(price))
    }

    /// The catalog's currency.
    pub fn currency(&self) -> Currency {
        self.free_plan().monthly_price.currency()
    }
}

fn validate(plans: &[Plan], free: &PlanId) -> Result<(), CatalogError> {
    let first = plans.first().ok_or(CatalogError::Empty)?;
    let free_plan = plans.iter().find(|p| &p.id == free).ok_or_else(|| CatalogError::MissingFreePlan(free.clone()))?;
    for (i, plan) in plans.iter().enumerate() {
        let earlier = &plans[..i];
        if earlier.iter().any(|p| p.id == plan.id) {
            return Err(CatalogError::DuplicatePlan(plan.id.clone()));
        }
        if earlier.iter().any(|p| p.rank == plan.rank) {
            return Err(CatalogError::DuplicateRank(plan.rank));
        }
        if let Some(price) = &plan.stripe_price {
            if earlier.iter().any(|p| p.stripe_price.as_ref() == Some(price)) {
                return Err(CatalogError::DuplicatePrice(price.clone()));
            }
        }
        if plan.monthly_price.minor_units() < 0 {
            return Err(CatalogError::NegativePrice(plan.id.clone()));
        }
        if plan.monthly_price.currency() != first.monthly_price.currency() {
            return Err(CatalogError::MixedCurrencies(plan.id.clone()));
        }
        if &plan.id != free && !plan.is_paid() {
            return Err(CatalogError::PaidPlanWithoutPrice(plan.id.clone()));
        }
    }
    let lowest = plans.iter().all(|p| p.rank >= free_plan.rank);
    if free_plan.is_paid() || free_plan.stripe_price.is_some() || !lowest {
        return Err(CatalogError::FreePlanNotFree(free.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
