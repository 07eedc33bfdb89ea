//! The application state shared by handlers and workers.

use std::sync::Arc;

use billing_core::services::{BillingService, WebhookIntake};
use billing_core::Rules;
use billing_stripe::WebhookSecret;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::auth::TokenAuthority;
use crate::client_ip::TrustedProxies;
use crate::limiter::FailureLimiter;
use crate::metrics::Metrics;
use crate::pages::PageSettings;
use crate::quote::QuoteSigner;
use crate::readiness::Readiness;

/// The port objects, as billing-wiring names them for both binaries.
pub use billing_wiring::{Clk, Ledger, Payments, Repo};

/// Everything a request needs.
pub struct AppState {
    /// Shared with the timer worker.
    pub billing: Arc<BillingService<Repo, Payments, Clk>>,
    pub intake: WebhookIntake<Repo, Ledger, Clk>,
    pub ledger: Arc<Ledger>,
    pub rules: Arc<Rules>,
    pub auth: TokenAuthority,
    pub quotes: QuoteSigner,
    pub webhook_secrets: Vec<WebhookSecret>,
    pub webhook_tolerance: chrono::Duration,
    pub metrics: Metrics,
    pub clock: Arc<Clk>,
    /// Judges the age of webhook signatures. Stripe stamps them with real time even when a test
    /// clock moves billing time (the demo's `clock`), so this one always reads the wall clock.
    pub signature_clock: Arc<Clk>,
    /// Failed webhook verifications per client address.
    pub failures: FailureLimiter,
    /// Who the client of a request is, behind the configured proxies.
    pub trusted_proxies: TrustedProxies,
    /// The cached database check behind `/readyz`.
    pub readiness: Readiness,
    /// The bearer token `/metrics` requires, when set.
    pub metrics_token: Option<SecretString>,
    /// Wakes the event workers as soon as a delivery is recorded.
    pub wake: Arc<tokio::sync::Notify>,
    /// The billing pages' links and security policy.
    pub pages: PageSettings,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("webhook_secrets", &self.webhook_secrets.len()).finish_non_exhaustive()
    }
}

impl AppState {
    pub fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Now by the wall clock, for webhook signatures.
    pub fn signature_now(&self) -> DateTime<Utc> {
        self.signature_clock.now()
    }
}
