//! The Stripe client, built from the shared settings when a key is configured.

use std::time::Duration;

use anyhow::Context;
use billing_core::InstallationId;
use billing_stripe::{StripeClient, StripeConfig};

use crate::config::SharedSettings;
use crate::Repo;

/// This installation's identity from the database, created by the first process that asks; it
/// namespaces the idempotency keys sent to Stripe, so a reset database or a second environment
/// on the same Stripe account never replays another's requests.
///
/// # Errors
/// When the id cannot be read or stored.
pub async fn installation_id(repo: &Repo) -> anyhow::Result<InstallationId> {
    let candidate = InstallationId::parse(uuid::Uuid::new_v4().simple().to_string()).context("a new installation id is malformed")?;
    repo.ensure_installation_id(&candidate).await.context("the installation id cannot be read or stored")
}

/// The Stripe client for the configured key, base URL, timeout and retries; `None` without a
/// key. Requests that create or change something carry idempotency keys prefixed with
/// `installation`, when given, so that a reset database or a second environment on the same
/// Stripe account never replays another's requests.
///
/// # Errors
/// When the client cannot be built from the key or the prefix.
pub fn stripe_client(settings: &SharedSettings, installation: Option<&InstallationId>) -> anyhow::Result<Option<StripeClient>> {
    let Some(key) = &settings.stripe_secret_key else { return Ok(None) };
    let mut config = StripeConfig::new(key.clone()).with_base_url(settings.stripe_api_base.clone());
    config.total_timeout = Duration::from_secs(settings.stripe_timeout_secs);
    config.max_retries = settings.stripe_max_retries;
    config.idempotency_prefix = installation.map(ToString::to_string);
    let client = StripeClient::new(config).context("STRIPE_SECRET_KEY: the Stripe client cannot be built")?;
    Ok(Some(client))
}
