//! The shared settings as flags and environment variables, parsed by clap; each binary embeds
//! them in its command line with `#[command(flatten)]`, and [`super::resolve`] validates them.

use std::path::PathBuf;

/// The store, Stripe and plan settings, as flags or environment variables. Unset values fall
/// back to the file, then to defaults.
#[derive(clap::Args, Default)]
pub struct SharedArgs {
    /// TOML file with the same settings (lowercase keys, e.g. `database_url`).
    #[arg(long, env = "BILLING_CONFIG")]
    pub config: Option<PathBuf>,
    /// `postgres://…` for Postgres; `sqlite://PATH` or unset for the embedded store in ./data/.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Seconds one Postgres statement may run before it is cancelled, 1 to 3600 [default: 30].
    #[arg(long, env = "DATABASE_STATEMENT_TIMEOUT_SECS")]
    pub database_statement_timeout_secs: Option<u64>,
    /// Stripe secret key (sk_…); without it, operations that need Stripe are refused (the server answers 503).
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,
    /// Stripe API base URL [default: https://api.stripe.com].
    #[arg(long, env = "STRIPE_API_BASE")]
    pub stripe_api_base: Option<String>,
    /// Seconds one Stripe request may take before it counts as timed out, 1 to 300 [default: 10].
    #[arg(long, env = "STRIPE_TIMEOUT_SECS")]
    pub stripe_timeout_secs: Option<u64>,
    /// Retries of a failed Stripe request after the first attempt, 0 to 10 [default: 2].
    #[arg(long, env = "STRIPE_MAX_RETRIES")]
    pub stripe_max_retries: Option<u32>,
    /// Stripe price of the Solo plan.
    #[arg(long, env = "STRIPE_PRICE_SOLO")]
    pub stripe_price_solo: Option<String>,
    /// Stripe price of the Team plan.
    #[arg(long, env = "STRIPE_PRICE_TEAM")]
    pub stripe_price_team: Option<String>,
    /// Stripe price of the Enterprise plan.
    #[arg(long, env = "STRIPE_PRICE_ENTERPRISE")]
    pub stripe_price_enterprise: Option<String>,
    /// Plan catalog override (TOML or JSON).
    #[arg(long, env = "BILLING_PLANS_FILE")]
    pub plans_file: Option<PathBuf>,
    /// Days of paid features after a failed payment, 1 to 365 [default: 7].
    #[arg(long, env = "BILLING_GRACE_DAYS")]
    pub grace_days: Option<i64>,
}

// Written by hand: the flags hold secrets as plain strings until they are validated.
impl std::fmt::Debug for SharedArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedArgs").field("config", &self.config).finish_non_exhaustive()
    }
}
