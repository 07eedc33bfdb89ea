//! Builds the application from settings: store, Stripe, services, HTTP server and workers.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use billing_core::ports::{Clock, EventDecoder, Notifier, PaymentProvider, SystemClock};
use billing_core::retry::RetryPolicy;
use billing_core::services::{
    BillingService, EventProcessor, NotificationDispatcher, ReturnUrls, StripeMode, TenantDisagreement, WebhookIntake,
};
use billing_core::{Catalog, InstallationId, PlanId, Policy, Rules, StripePriceId};
use billing_stripe::{StripeClient, StripeConfig, StripeEventDecoder, WebhookSecret};
use secrecy::ExposeSecret;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::adapters::{open_store_with, MeteredPayments, UnconfiguredPayments};
use crate::auth::{TokenAuthority, TokenPolicy};
use crate::body_deadline::BodyReadTimeout;
use crate::client_ip::TrustedProxies;
use crate::config::Settings;
use crate::group_commit::GroupCommitLedger;
use crate::limiter::{FailureLimiter, DEFAULT_MAX_TRACKED};
use crate::metrics::Metrics;
use crate::notifier::{LogNotifier, WebhookNotifier};
use crate::quote::QuoteSigner;
use crate::readiness::Readiness;
use crate::state::{AppState, Ledger, Repo};
use crate::workers::{spawn_event_worker, spawn_notice_worker, spawn_timer_worker, Cadence};

/// A built application: the HTTP server and its workers.
pub struct Application {
    port: u16,
    server: Server,
    workers: Vec<JoinHandle<()>>,
    stop: CancellationToken,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

/// The catalog, with prices and the grace period from configuration.
///
/// # Errors
/// When the plans file cannot be read or a price is invalid or used twice.
pub fn rules(settings: &Settings) -> anyhow::Result<Rules> {
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

/// Where Checkout and the billing portal send the user back to, under `APP_BASE_URL`.
pub fn return_urls(settings: &Settings) -> ReturnUrls {
    let base = &settings.app_base_url;
    ReturnUrls {
        checkout_success: format!("{base}/settings/billing?session_id={{CHECKOUT_SESSION_ID}}"),
        checkout_cancel: format!("{base}/settings/billing"),
        portal_return: format!("{base}/settings/billing"),
    }
}

/// This installation's identity from the database, created on first start; it namespaces the
/// idempotency keys sent to Stripe, so a reset database or a second environment on the same
/// Stripe account never replays another's requests.
async fn installation_id(repo: &Repo) -> anyhow::Result<InstallationId> {
    let candidate = InstallationId::parse(uuid::Uuid::new_v4().simple().to_string()).context("a new installation id is malformed")?;
    repo.ensure_installation_id(&candidate).await.context("the installation id cannot be read or stored")
}

fn payments(settings: &Settings, metrics: &Metrics, installation: &InstallationId) -> anyhow::Result<Arc<dyn PaymentProvider>> {
    let inner: Arc<dyn PaymentProvider> = match &settings.stripe_secret_key {
        Some(key) => {
            let mut config = StripeConfig::new(key.clone()).with_base_url(settings.stripe_api_base.clone());
            config.total_timeout = std::time::Duration::from_secs(settings.stripe_timeout_secs);
            config.max_retries = settings.stripe_max_retries;
            config.idempotency_prefix = Some(installation.to_string());
            Arc::new(StripeClient::new(config).context("STRIPE_SECRET_KEY: the Stripe client cannot be built")?)
        }
        None => Arc::new(UnconfiguredPayments),
    };
    Ok(Arc::new(MeteredPayments::new(inner, metrics.clone())))
}

fn notifier(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<dyn Notifier>> {
    match &settings.notify_webhook_url {
        Some(url) => {
            let notifier = WebhookNotifier::new(url.clone(), settings.notify_webhook_secret.clone(), clock)
                .context("NOTIFY_WEBHOOK_URL: the HTTP client cannot be built")?;
            Ok(Arc::new(notifier))
        }
        None => Ok(Arc::new(LogNotifier)),
    }
}

/// What is missing or unsafe in `settings`, one warning each; logged at start.
fn unconfigured(settings: &Settings) -> Vec<&'static str> {
    let checks = [
        (
            settings.notify_webhook_url.is_none(),
            "NOTIFY_WEBHOOK_URL is not set: notices (failed payments, cancellations, ...) are only logged",
        ),
        (
            settings.notify_webhook_url.is_some() && settings.notify_webhook_secret.is_none(),
            "NOTIFY_WEBHOOK_SECRET is not set: notices are POSTed to NOTIFY_WEBHOOK_URL unsigned, so the receiver cannot tell them from forgeries",
        ),
        (
            settings.stripe_secret_key.is_none(),
            "STRIPE_SECRET_KEY is not set: operations that need Stripe answer 503 stripe_not_configured, and webhooks of both live and test mode are accepted",
        ),
        (settings.stripe_webhook_secrets.is_empty(), "STRIPE_WEBHOOK_SECRET is not set: webhook deliveries answer 503 webhooks_not_configured"),
        (settings.jwt_secret.is_none(), "JWT_SECRET is not set: API requests answer 503 auth_not_configured"),
    ];
    checks.into_iter().filter_map(|(applies, warning)| applies.then_some(warning)).collect()
}

fn report_unconfigured(settings: &Settings) {
    for warning in unconfigured(settings) {
        tracing::warn!("{warning}");
    }
    for (plan, price) in &settings.stripe_prices {
        if price.is_none() {
            tracing::warn!(plan = %plan, "no Stripe price configured: the plan cannot be bought");
        }
    }
}

/// How long failing events are retried: `BILLING_MAX_ATTEMPTS` attempts for causes that lie with
/// the event, and until `BILLING_RETRY_HORIZON_SECS` after receipt for outages.
fn retry_policy(settings: &Settings) -> RetryPolicy {
    let defaults = RetryPolicy::default();
    let horizon = i64::try_from(settings.retry_horizon_secs).ok().and_then(chrono::Duration::try_seconds).unwrap_or(defaults.horizon);
    RetryPolicy { max_attempts: settings.max_attempts, horizon, ..defaults }
}

/// The token lifetimes, issuer and audience from configuration.
fn token_policy(settings: &Settings) -> TokenPolicy {
    TokenPolicy {
        ttl_secs: settings.jwt_ttl_secs,
        refresh_window_secs: settings.jwt_refresh_window_secs,
        max_session_secs: settings.jwt_max_session_secs,
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
    }
}

/// The HTTP server on `listener`, with every request body under the read deadline.
fn serve(listener: TcpListener, state: web::Data<AppState>, body_read_timeout: BodyReadTimeout) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(crate::body_deadline::enforce))
            .wrap(tracing_actix_web::TracingLogger::default())
            .app_data(state.clone())
            .app_data(body_read_timeout)
            .app_data(crate::routes::json_config())
            .app_data(crate::routes::query_config())
            .configure(crate::routes::configure)
            .default_service(web::to(crate::routes::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(30)
    .run();
    Ok(server)
}

/// The Stripe mode of the configured key: events of the other mode are acknowledged and ignored.
/// Without a key both are accepted, which start-up reports.
pub fn stripe_mode(settings: &Settings) -> Option<StripeMode> {
    let key = settings.stripe_secret_key.as_ref()?;
    // Secret (`sk`) and restricted (`rk`) keys name their mode in their second part (`live` or `test`).
    let mut parts = key.expose_secret().splitn(3, '_');
    match (parts.next(), parts.next()) {
        (Some("sk" | "rk"), Some("live")) => Some(StripeMode::Live),
        (Some("sk" | "rk"), Some("test")) => Some(StripeMode::Test),
        _ => None,
    }
}

/// Counts and logs an event that names another organization than its customer's owner.
fn tenant_watch(metrics: &Metrics) -> impl Fn(&TenantDisagreement) + Send + Sync + 'static {
    let metrics = metrics.clone();
    move |d| {
        metrics.tenant_disagreements.with_label_values(&[&d.event_type]).inc();
        tracing::warn!(
            event_id = %d.event_id, event_type = %d.event_type, customer = %d.customer, owner = %d.owner, named = %d.named,
            "event names another organization than its customer's owner; applied to the owner"
        );
    }
}

impl Application {
    /// Builds everything and binds `settings.bind_addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// When the store, the catalog or the listener cannot be set up.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Cadence::default()).await
    }

    /// Like [`Application::build`], with worker cadences (tests shorten them).
    ///
    /// # Errors
    /// When the store, the catalog or the listener cannot be set up.
    pub async fn build_with(settings: Settings, cadence: Cadence) -> anyhow::Result<Self> {
        settings.validate()?;
        report_unconfigured(&settings);
        let metrics = Metrics::new().context("metrics cannot be registered")?;
        let rules = Arc::new(rules(&settings)?);
        let statement_timeout = Duration::from_secs(settings.database_statement_timeout_secs);
        let (repo, ledger) =
            open_store_with(&settings.database, statement_timeout).await.context("DATABASE_URL: the store cannot be opened")?;
        let installation = installation_id(repo.as_ref()).await?;
        let payments = payments(&settings, &metrics, &installation)?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let urls = return_urls(&settings);
        let billing = Arc::new(BillingService::new(repo.clone(), payments.clone(), clock.clone(), rules.clone(), urls));
        let decoder: Arc<dyn EventDecoder> = Arc::new(StripeEventDecoder::new());
        let processor = Arc::new(
            EventProcessor::new(
                repo.clone(),
                ledger.clone(),
                payments.clone(),
                decoder,
                clock.clone(),
                rules.clone(),
                retry_policy(&settings),
            )
            .expecting_mode(stripe_mode(&settings))
            .on_tenant_disagreement(tenant_watch(&metrics)),
        );
        let notifier = notifier(&settings, clock.clone())?;
        let dispatcher = Arc::new(
            NotificationDispatcher::new(repo.clone(), notifier, clock.clone()).with_retry(cadence.notice_retry, chrono::Duration::hours(6)),
        );
        let wake = Arc::new(tokio::sync::Notify::new());
        let grouped: Arc<Ledger> = GroupCommitLedger::start(ledger.clone(), metrics.webhook_group_size.clone());
        let state = web::Data::new(AppState {
            billing: billing.clone(),
            intake: WebhookIntake::new(repo, grouped, clock.clone(), rules.clone())
                .expecting_mode(stripe_mode(&settings))
                .on_tenant_disagreement(tenant_watch(&metrics)),
            ledger: ledger.clone(),
            rules,
            auth: TokenAuthority::new(settings.jwt_secret.clone(), token_policy(&settings)),
            quotes: QuoteSigner::new(settings.jwt_secret.as_ref()),
            webhook_secrets: settings.stripe_webhook_secrets.iter().cloned().map(WebhookSecret::from).collect(),
            webhook_tolerance: chrono::Duration::seconds(settings.webhook_tolerance_secs),
            metrics: metrics.clone(),
            clock,
            failures: FailureLimiter::new(20, Duration::from_secs(60), DEFAULT_MAX_TRACKED),
            trusted_proxies: TrustedProxies::new(settings.trusted_proxies.clone()),
            readiness: Readiness::new(Duration::from_secs(1), Duration::from_secs(2)),
            metrics_token: settings.metrics_token.clone(),
            wake: wake.clone(),
        });
        let listener =
            TcpListener::bind(settings.bind_addr).with_context(|| format!("BIND_ADDR {} cannot be bound", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let server = serve(listener, state, BodyReadTimeout(Duration::from_secs(settings.body_read_timeout_secs)))?;
        let stop = CancellationToken::new();
        let instance = uuid::Uuid::new_v4().simple().to_string();
        let mut workers: Vec<JoinHandle<()>> = (0..settings.workers)
            .map(|i| {
                let holder = format!("{instance}-{i}");
                spawn_event_worker(processor.clone(), holder, settings.batch_size, wake.clone(), metrics.clone(), cadence, stop.clone())
            })
            .collect();
        workers.push(spawn_timer_worker(billing, ledger, metrics.clone(), cadence, stop.clone()));
        workers.push(spawn_notice_worker(dispatcher, metrics, cadence, stop.clone()));
        tracing::info!(address = %settings.bind_addr.ip(), port, store = ?settings.database, "billing server listening");
        Ok(Self { port, server, workers, stop })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets each worker finish the event
    /// it holds, and returns.
    ///
    /// # Errors
    /// When the HTTP server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let served = self.server.await;
        self.stop.cancel();
        for worker in self.workers {
            if let Err(e) = worker.await {
                tracing::error!(error = %e, "a worker ended abnormally");
            }
        }
        tracing::info!("billing server stopped");
        Ok(served?)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn warns_about_unsigned_notices(settings: &Settings) -> bool {
        unconfigured(settings).iter().any(|w| w.starts_with("NOTIFY_WEBHOOK_SECRET is not set"))
    }

    #[test]
    fn the_stripe_mode_comes_from_the_keys_second_part() {
        let mut settings = crate::config::defaults().unwrap();
        assert_eq!(stripe_mode(&settings), None, "without a key both modes are accepted");
        for (key, mode) in
            [("sk_{}_fixture", Some("live")), ("rk_{}_fixture", Some("live")), ("sk_test_fixture", Some("test")), ("pk_{}_x", None)]
        {
            settings.stripe_secret_key = Some(SecretString::from(key.replace("{}", "live")));
            assert_eq!(stripe_mode(&settings).map(|m| m.as_str()), mode, "{key}");
        }
    }

    #[test]
    fn a_notice_url_without_a_signing_secret_is_warned_about() {
        let mut settings = crate::config::defaults().unwrap();
        assert!(!warns_about_unsigned_notices(&settings));
        settings.notify_webhook_url = Some(SecretString::from("https://hooks.example/notices"));
        assert!(warns_about_unsigned_notices(&settings));
        settings.notify_webhook_secret = Some(SecretString::from("nsec_fixture"));
        assert!(!warns_about_unsigned_notices(&settings));
    }
}
