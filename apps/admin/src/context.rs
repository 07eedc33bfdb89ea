//! The store, catalog and Stripe client the commands act through, built from the server's settings.

use std::sync::Arc;

use anyhow::Context;
use billing_core::ports::{PaymentProvider, SystemClock};
use billing_core::services::{BillingService, WebhookIntake};
use billing_core::Rules;
use billing_server::adapters::open_store;
use billing_server::config::{DatabaseConfig, Settings};
use billing_server::startup::{return_urls, rules};
use billing_server::state::{Clk, Ledger, Repo};
use billing_stripe::{StripeClient, StripeConfig};

use crate::error::AdminError;

/// What every command may use; Stripe only when a key is configured.
pub struct Admin {
    pub repo: Arc<Repo>,
    pub ledger: Arc<Ledger>,
    pub rules: Arc<Rules>,
    pub clock: Arc<Clk>,
    stripe: Option<Arc<StripeClient>>,
    settings: Settings,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin").field("database", &self.settings.database).field("stripe", &self.stripe.is_some()).finish()
    }
}

impl Admin {
    /// Opens the configured store (applying its migrations, as the server does) and builds the
    /// Stripe client when a key is set.
    ///
    /// # Errors
    /// When the catalog, the store or the Stripe client cannot be set up.
    pub async fn open(settings: Settings) -> Result<Self, AdminError> {
        // Opening would create an empty database, and a mistyped path would then look like a
        // ledger with nothing in it.
        if let DatabaseConfig::Sqlite { path } = &settings.database {
            if !path.exists() {
                return Err(AdminError::NoDatabase(path.clone()));
            }
        }
        let rules = Arc::new(rules(&settings)?);
        let (repo, ledger) = open_store(&settings.database).await.context("DATABASE_URL: the store cannot be opened")?;
        let stripe = match &settings.stripe_secret_key {
            Some(key) => {
                let config = StripeConfig::new(key.clone()).with_base_url(settings.stripe_api_base.clone());
                Some(Arc::new(StripeClient::new(config).context("STRIPE_SECRET_KEY: the Stripe client cannot be built")?))
            }
            None => None,
        };
        let clock: Arc<Clk> = Arc::new(SystemClock);
        Ok(Self { repo, ledger, rules, clock, stripe, settings })
    }

    /// The Stripe client.
    ///
    /// # Errors
    /// [`AdminError::StripeNotConfigured`] without `STRIPE_SECRET_KEY`.
    pub fn stripe(&self) -> Result<&Arc<StripeClient>, AdminError> {
        self.stripe.as_ref().ok_or(AdminError::StripeNotConfigured)
    }

    /// The same intake the webhook endpoint records through, so recovered events resolve their
    /// organization exactly as delivered ones do.
    pub fn intake(&self) -> WebhookIntake<Repo, Ledger, Clk> {
        WebhookIntake::new(self.repo.clone(), self.ledger.clone(), self.clock.clone(), self.rules.clone())
    }

    /// The billing use cases, on Stripe.
    ///
    /// # Errors
    /// [`AdminError::StripeNotConfigured`] without `STRIPE_SECRET_KEY`.
    pub fn billing(&self) -> Result<BillingService<Repo, dyn PaymentProvider, Clk>, AdminError> {
        let payments: Arc<dyn PaymentProvider> = self.stripe()?.clone();
        let urls = return_urls(&self.settings);
        Ok(BillingService::new(self.repo.clone(), payments, self.clock.clone(), self.rules.clone(), urls))
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
