//! Builds the application from settings: store, Stripe, services, HTTP server and workers.

mod policy;
mod warnings;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use billing_core::ports::{Clock, EventDecoder, Notifier, PaymentProvider, SystemClock};
use billing_core::services::{BillingService, EventProcessor, NotificationDispatcher, TenantDisagreement, WebhookIntake};
use billing_core::{InstallationId, Rules};
use billing_stripe::{StripeEventDecoder, WebhookSecret};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::adapters::{MeteredPayments, UnconfiguredPayments};
use crate::auth::TokenAuthority;
use crate::body_deadline::BodyReadTimeout;
use crate::client_ip::TrustedProxies;
use crate::config::Settings;
use crate::demo::Demo;
use crate::drift::{spawn_drift_worker, DriftSchedule};
use crate::group_commit::GroupCommitLedger;
use crate::limiter::{FailureLimiter, DEFAULT_MAX_TRACKED};
use crate::metrics::Metrics;
use crate::notifier::{LogNotifier, WebhookNotifier};
use crate::pages::PageSettings;
use crate::quote::QuoteSigner;
use crate::readiness::Readiness;
use crate::state::{AppState, Clk, Ledger, Payments, Repo};
use crate::workers::{spawn_event_worker, spawn_notice_worker, spawn_timer_worker, Billing, Cadence, Dispatcher, Processor};
pub(crate) use policy::{retry_policy, token_policy};
pub use policy::{return_urls, stripe_mode};
use warnings::report_unconfigured;

/// A built application: the HTTP server and its workers.
pub struct Application {
    port: u16,
    server: Server,
    workers: Vec<JoinHandle<()>>,
    stop: CancellationToken,
    demo: Option<Demo>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

fn payments(settings: &Settings, metrics: &Metrics, installation: &InstallationId) -> anyhow::Result<Arc<dyn PaymentProvider>> {
    let inner: Arc<dyn PaymentProvider> = match billing_wiring::stripe_client(&settings.shared, Some(installation))? {
        Some(client) => Arc::new(client),
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
            .configure(crate::pages::configure)
            .default_service(web::to(crate::routes::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(30)
    .run();
    Ok(server)
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

/// What handlers and workers share: the store, Stripe behind its metrics, the clock and the rules.
struct Core {
    repo: Arc<Repo>,
    ledger: Arc<Ledger>,
    payments: Arc<Payments>,
    clock: Arc<Clk>,
    rules: Arc<Rules>,
}

impl Core {
    /// Reads the catalog, opens the store and builds the Stripe client under this installation's id.
    async fn open(settings: &Settings, metrics: &Metrics, clock: Arc<Clk>) -> anyhow::Result<Self> {
        let rules = Arc::new(billing_wiring::rules(&settings.shared)?);
        let (repo, ledger) = billing_wiring::open_store_with(&settings.shared.database, settings.shared.statement_timeout())
            .await
            .context("DATABASE_URL: the store cannot be opened")?;
        let installation = billing_wiring::installation_id(repo.as_ref()).await?;
        let payments = payments(settings, metrics, &installation)?;
        Ok(Self { repo, ledger, payments, clock, rules })
    }

    fn billing(&self, settings: &Settings) -> Arc<Billing> {
        let urls = return_urls(settings);
        Arc::new(BillingService::new(self.repo.clone(), self.payments.clone(), self.clock.clone(), self.rules.clone(), urls))
    }

    fn processor(&self, settings: &Settings, metrics: &Metrics) -> Arc<Processor> {
        let decoder: Arc<dyn EventDecoder> = Arc::new(StripeEventDecoder::new());
        let (repo, ledger, payments, clock, rules) =
            (self.repo.clone(), self.ledger.clone(), self.payments.clone(), self.clock.clone(), self.rules.clone());
        let processor = EventProcessor::new(repo, ledger, payments, decoder, clock, rules, retry_policy(settings));
        Arc::new(processor.expecting_mode(stripe_mode(settings)).on_tenant_disagreement(tenant_watch(metrics)))
    }

    fn dispatcher(&self, settings: &Settings, cadence: Cadence, metrics: &Metrics) -> anyhow::Result<Arc<Dispatcher>> {
        let notifier = notifier(settings, self.clock.clone())?;
        let dispatcher = NotificationDispatcher::new(self.repo.clone(), notifier, self.clock.clone());
        let metrics = metrics.clone();
        let dispatcher = dispatcher.on_settled(move |notice| metrics.observe_settled_notice(notice));
        Ok(Arc::new(dispatcher.with_retry(cadence.notice_retry, chrono::Duration::hours(6))))
    }
}

/// Everything a request needs; webhook deliveries are recorded through a group-commit ledger.
fn app_state(settings: &Settings, core: &Core, billing: Arc<Billing>, metrics: &Metrics, wake: Arc<Notify>) -> web::Data<AppState> {
    let grouped: Arc<Ledger> = GroupCommitLedger::start(core.ledger.clone(), metrics.webhook_group_size.clone());
    web::Data::new(AppState {
        billing,
        intake: WebhookIntake::new(core.repo.clone(), grouped, core.clock.clone(), core.rules.clone())
            .expecting_mode(stripe_mode(settings))
            .on_tenant_disagreement(tenant_watch(metrics)),
        ledger: core.ledger.clone(),
        rules: core.rules.clone(),
        auth: TokenAuthority::new(settings.jwt_secret.clone(), token_policy(settings)),
        quotes: QuoteSigner::new(settings.jwt_secret.as_ref()),
        webhook_secrets: settings.stripe_webhook_secrets.iter().cloned().map(WebhookSecret::from).collect(),
        webhook_tolerance: chrono::Duration::seconds(settings.webhook_tolerance_secs),
        metrics: metrics.clone(),
        clock: core.clock.clone(),
        signature_clock: Arc::new(SystemClock),
        failures: FailureLimiter::new(20, Duration::from_secs(60), DEFAULT_MAX_TRACKED),
        trusted_proxies: TrustedProxies::new(settings.trusted_proxies.clone()),
        readiness: Readiness::new(Duration::from_secs(1), Duration::from_secs(2)),
        metrics_token: settings.metrics_token.clone(),
        wake,
        pages: PageSettings::new(&settings.app_base_url, &settings.pages_frame_ancestors),
    })
}

/// `BILLING_WORKERS` event workers, each holding its claims under its own name.
fn event_workers(
    settings: &Settings,
    processor: &Arc<Processor>,
    wake: &Arc<Notify>,
    metrics: &Metrics,
    cadence: Cadence,
    stop: &CancellationToken,
) -> Vec<JoinHandle<()>> {
    let instance = uuid::Uuid::new_v4().simple().to_string();
    (0..settings.workers)
        .map(|i| {
            let holder = format!("{instance}-{i}");
            spawn_event_worker(processor.clone(), holder, settings.batch_size, wake.clone(), metrics.clone(), cadence, stop.clone())
        })
        .collect()
}

impl Application {
    /// Builds everything and binds `settings.bind_addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// When the store, the catalog or the listener cannot be set up.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Cadence::default()).await
    }

    /// Like [`Application::build`], with worker cadences (tests shorten them). In demo mode the
    /// embedded Stripe simulator is started and wired in first (see [`crate::demo`]).
    ///
    /// # Errors
    /// When the store, the catalog, the listener or the demo's simulator cannot be set up.
    pub async fn build_with(settings: Settings, cadence: Cadence) -> anyhow::Result<Self> {
        settings.validate()?;
        if settings.demo {
            return crate::demo::launch(settings, cadence).await;
        }
        let listener =
            TcpListener::bind(settings.bind_addr).with_context(|| format!("BIND_ADDR {} cannot be bound", settings.bind_addr))?;
        Self::build_on(settings, cadence, listener, Arc::new(SystemClock)).await
    }

    /// Builds everything on a bound `listener`, telling the time by `clock`, and starts serving.
    ///
    /// # Errors
    /// When the store, the catalog or the listener cannot be set up.
    pub(crate) async fn build_on(settings: Settings, cadence: Cadence, listener: TcpListener, clock: Arc<Clk>) -> anyhow::Result<Self> {
        settings.validate()?;
        report_unconfigured(&settings);
        let metrics = Metrics::new().context("metrics cannot be registered")?;
        let core = Core::open(&settings, &metrics, clock).await?;
        let billing = core.billing(&settings);
        let processor = core.processor(&settings, &metrics);
        let dispatcher = core.dispatcher(&settings, cadence, &metrics)?;
        let wake = Arc::new(Notify::new());
        let state = app_state(&settings, &core, billing.clone(), &metrics, wake.clone());
        let port = listener.local_addr()?.port();
        let server = serve(listener, state, BodyReadTimeout(Duration::from_secs(settings.body_read_timeout_secs)))?;
        let stop = CancellationToken::new();
        let mut workers = event_workers(&settings, &processor, &wake, &metrics, cadence, &stop);
        if let Some(schedule) = DriftSchedule::of(&settings, cadence) {
            workers.push(spawn_drift_worker(billing.clone(), core.clock.clone(), metrics.clone(), schedule, stop.clone()));
        }
        workers.push(spawn_timer_worker(billing, core.ledger, metrics.clone(), cadence, stop.clone()));
        workers.push(spawn_notice_worker(dispatcher, metrics, cadence, stop.clone()));
        tracing::info!(address = %settings.bind_addr.ip(), port, store = ?settings.shared.database, "billing server listening");
        Ok(Self { port, server, workers, stop, demo: None })
    }

    /// The running demo's simulator and organization, in demo mode.
    pub fn demo(&self) -> Option<&Demo> {
        self.demo.as_ref()
    }

    /// Keeps `demo` with the application, for [`Application::demo`].
    pub(crate) fn with_demo(self, demo: Demo) -> Self {
        Self { demo: Some(demo), ..self }
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
mod tests;
