//! What the simulator is seeded with: the price catalog, the API version and delivery pacing.

use std::time::Duration;

/// One recurring monthly price and its product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceConfig {
    pub id: String,
    pub product: String,
    pub nickname: String,
    pub lookup_key: String,
    pub unit_amount: i64,
    pub currency: String,
}

impl PriceConfig {
    /// A monthly USD price named after `plan` (`price_{plan}_monthly`, `prod_{plan}`).
    pub fn monthly(plan: &str, nickname: &str, unit_amount: i64) -> Self {
        Self {
            id: format!("price_{plan}_monthly"),
            product: format!("prod_{plan}"),
            nickname: format!("{nickname} (monthly)"),
            lookup_key: format!("{plan}_monthly"),
            unit_amount,
            currency: "usd".to_owned(),
        }
    }
}

/// What happens to a subscription when the last retry of a renewal fails, as in Stripe's
/// revenue-recovery settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AfterRetries {
    /// The subscription ends (`customer.subscription.deleted`), Stripe's default.
    #[default]
    Cancel,
    /// The subscription stays, `unpaid`; later renewals are invoiced but not charged.
    MarkUnpaid,
}

/// Failed-renewal retries in simulated time: a compressed copy of Smart Retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dunning {
    /// Simulated seconds from each failed attempt to the next one.
    pub retry_after_secs: Vec<i64>,
    pub after_retries: AfterRetries,
}

impl Default for Dunning {
    /// Three retries 1, 2 and 4 days apart, the last a week after the renewal; then cancel.
    fn default() -> Self {
        Self { retry_after_secs: vec![86_400, 2 * 86_400, 4 * 86_400], after_retries: AfterRetries::Cancel }
    }
}

/// Settings of one simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The prices that exist from the start.
    pub prices: Vec<PriceConfig>,
    /// The version events and objects are rendered in.
    pub api_version: String,
    /// Waits between webhook delivery attempts: Stripe's hours compressed to a test's seconds.
    pub retry_schedule: Vec<Duration>,
    /// How long a webhook receiver may take before the attempt counts as failed.
    pub delivery_timeout: Duration,
    /// Retries of failed renewals and what follows the last one.
    pub dunning: Dunning,
}

impl Default for SimConfig {
    /// Solo, team and enterprise monthly at the amounts of billing-core's default catalog, the
    /// API version billing-stripe pins, three retries 50, 200 and 800 ms apart (Stripe's test
    /// mode retries three times over a few hours) and a 2 s receiver timeout.
    fn default() -> Self {
        Self {
            prices: vec![
                PriceConfig::monthly("solo", "Solo", 2_900),
                PriceConfig::monthly("team", "Team", 9_900),
                PriceConfig::monthly("enterprise", "Enterprise", 49_900),
            ],
            api_version: "2026-10-28.endive".to_owned(),
            retry_schedule: vec![Duration::from_millis(50), Duration::from_millis(200), Duration::from_millis(800)],
            delivery_timeout: Duration::from_secs(2),
            dunning: Dunning::default(),
        }
    }
}
