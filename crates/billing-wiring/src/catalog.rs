//! The plan rules: the catalog with its Stripe prices, and the grace period.

use anyhow::Context;
use billing_core::{Catalog, PlanId, Policy, Rules, StripePriceId};

use crate::config::SharedSettings;

/// The catalog, with prices and the grace period from configuration.
///
/// # Errors
/// When the plans file cannot be read or a price is invalid or used twice.
pub fn rules(settings: &SharedSettings) -> anyhow::Result<Rules> {
    let mut catalog = match &settings.plans_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("BILLING_PLANS_FILE {} cannot be read", path.display()))?;
            let is_json = path.extension().is_some_and(|e| e == "json");
            let parsed = if is_json { Catalog::from_json(&text) } else { Catalog::from_toml(&text) };
            parsed.with_context(|| format!("BILLING_PLANS_FILE {} is invalid", path.display()))?
        }
        None => Catalog::default_catalog(),
    };
    for (plan, price) in &settings.stripe_prices {
        let Some(price) = price else { continue };
        let var = format!("STRIPE_PRICE_{}", plan.to_uppercase());
        let plan = PlanId::parse(plan.as_str()).with_context(|| format!("{var}: bad plan"))?;
        let price = StripePriceId::parse(price.as_str()).with_context(|| format!("{var} is not a valid price id"))?;
        catalog = catalog.with_stripe_price(&plan, price).with_context(|| format!("{var} cannot be used"))?;
    }
    let policy = Policy { grace: chrono::Duration::days(settings.grace_days), ..Policy::default() };
    Ok(Rules { catalog, policy })
}
