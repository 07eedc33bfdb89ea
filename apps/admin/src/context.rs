//! The store, catalog and Stripe client the commands act through, built by billing-wiring from
//! the settings the commands share with the server.

use std::sync::Arc;

use anyhow::Context;
use billing_core::ports::{PaymentProvider, SystemClock};
use billing_core::services::{BillingService, ReturnUrls, WebhookIntake};
use billing_core::Rules;
use billing_stripe::{StripeClient, StripeEventDecoder};
use billing_wiring::config::{DatabaseConfig, SharedSettings};
use billing_wiring::{Clk, Ledger, Repo};

use crate::error::AdminError;

/// What every command may use; Stripe only when a key is configured.
pub struct Admin {
    pub repo: Arc<Repo>,
    pub ledger: Arc<Ledger>,
    pub rules: Arc<Rules>,
    pub clock: Arc<Clk>,
    stripe: Option<Arc<StripeClient>>,
    database: DatabaseConfig,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin").field("database", &self.database).field("stripe", &self.stripe.is_some()).finish()
    }
}

impl Admin {
    /// Opens the configured store (applying its migrations, as the server does) and builds the
    /// Stripe client when a key is set.
    ///
    /// # Errors
    /// When the catalog, the store or the Stripe client cannot be set up.
    pub async fn open(settings: SharedSettings) -> Result<Self, AdminError> {
        // Opening would create an empty database, and a mistyped path would then look like a
        // ledger with nothing in it.
        if let DatabaseConfig::Sqlite { path } = &settings.database {
            if !path.exists() {
                return Err(AdminError::NoDatabase(path.clone()));
            }
        }
        let rules = Arc::new(billing_wiring::rules(&settings)?);
        let (repo, ledger) = billing_wiring::open_store_with(&settings.database, settings.statement_timeout())
            .await
            .context("DATABASE_URL: the store cannot be opened")?;
        // Refunds are POSTs with idempotency keys, prefixed with the installation's id as the
        // server's are; the id is only read (or stored) when Stripe is configured at all.
        let installation = match &settings.stripe_secret_key {
            Some(_) => Some(billing_wiring::installation_id(repo.as_ref()).await?),
            None => None,
        };
        let stripe = billing_wiring::stripe_client(&settings, installation.as_ref())?.map(Arc::new);
        let clock: Arc<Clk> = Arc::new(SystemClock);
        Ok(Self { repo, ledger, rules, clock, stripe, database: settings.database })
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
        Ok(BillingService::new(self.repo.clone(), payments, self.clock.clone(), self.rules.clone(), no_return_pages()))
    }

    /// Decodes stored payloads as the workers do.
    pub fn decoder(&self) -> StripeEventDecoder {
        StripeEventDecoder::new()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// The return URLs of a billing service that never sends a user anywhere: operator commands
/// re-read subscriptions, cancel and refund, never start a checkout or open the portal, so they need no
/// `APP_BASE_URL` and the server's page addresses stay the server's setting.
fn no_return_pages() -> ReturnUrls {
    ReturnUrls { checkout_success: String::new(), checkout_cancel: String::new(), portal_return: String::new() }
}
