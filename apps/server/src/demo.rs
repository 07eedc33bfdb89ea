//! Demo mode (`--demo`, `BILLING_DEMO=1`): the server runs against the Stripe simulator started
//! in the same process, with generated secrets, a webhook endpoint on its own URL, a clock that
//! follows the simulator's and a demo organization whose owner token the start-up banner prints,
//! with links to the billing pages that carry it.

mod banner;
mod clock;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use billing_core::ports::Clock;
use chrono::{DateTime, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use stripe_sim::{SimConfig, SimHandle, Simulator};

use crate::auth::{Claims, Role, TokenAuthority};
use crate::config::{DatabaseConfig, Settings};
use crate::startup::{token_policy, Application};
use crate::workers::Cadence;

pub use clock::SimulatedClock;

/// The simulator accepts any `sk_` key; a random tail keeps each run's key its own.
const KEY_PREFIX: &str = "sk_test_demo_";

/// The demo token outlives simulated months, since the server judges expiry by the demo's clock.
const TOKEN_DAYS: i64 = 365;

/// The running demo: the simulator, the server's own URL and the demo organization.
pub struct Demo {
    /// The in-process simulator; its `base_url` takes Stripe's test helpers.
    pub sim: SimHandle,
    /// The server's URL, `http://HOST:PORT`.
    pub base_url: String,
    /// Where the billing pages are: `PUBLIC_URL`, which defaults to [`Demo::base_url`] here.
    pub public_url: String,
    /// The demo organization's id.
    pub org: String,
    /// An owner token for [`Demo::org`], signed with the demo's JWT secret.
    pub owner_token: SecretString,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("sim", &self.sim.base_url)
            .field("base_url", &self.base_url)
            .field("public_url", &self.public_url)
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

/// `len` random letters and digits.
fn random(len: usize) -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// Points the Stripe settings at the simulator at `sim_url`: a generated test key, its URL and
/// the prices `config` seeds it with.
fn point_stripe_at(settings: &mut Settings, sim_url: &str, config: &SimConfig) {
    let shared = &mut settings.shared;
    shared.stripe_secret_key = Some(SecretString::from(format!("{KEY_PREFIX}{}", random(24))));
    sim_url.clone_into(&mut shared.stripe_api_base);
    for (plan, price) in &mut shared.stripe_prices {
        let seeded = config.prices.iter().find(|p| p.lookup_key == format!("{plan}_monthly"));
        *price = seeded.map(|p| p.id.clone());
    }
}

/// Generates what demo mode needs and nobody configured: the JWT secret (48 random characters),
/// and a store of its own when the default one is configured, so demo customers, whose Stripe
/// objects vanish with the simulator, never mix with real ones.
fn fill_in(settings: &mut Settings) {
    if settings.jwt_secret.is_none() {
        settings.jwt_secret = Some(SecretString::from(random(48)));
    }
    if settings.shared.database == (DatabaseConfig::Sqlite { path: PathBuf::from("data/billing.sqlite") }) {
        settings.shared.database = DatabaseConfig::Sqlite { path: PathBuf::from("data/demo.sqlite") };
    }
}

/// The URL the server answers on: loopback when it listens on every interface.
fn own_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip @ (IpAddr::V4(_) | IpAddr::V6(_)) => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Registers `url` for every event type with the simulator; answers the endpoint's signing secret.
async fn register_endpoint(sim: &SimHandle, key: &SecretString, url: &str) -> anyhow::Result<SecretString> {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/webhook_endpoints", sim.base_url))
        .bearer_auth(key.expose_secret())
        .form(&[("url", url), ("enabled_events[]", "*")])
        .send()
        .await
        .context("the simulator's webhook endpoint cannot be created")?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.context("the simulator's webhook endpoint answer is not JSON")?;
    match body["secret"].as_str() {
        Some(secret) if status.is_success() && secret.starts_with("whsec_") => Ok(SecretString::from(secret.to_owned())),
        Some(_) | None => anyhow::bail!("the simulator refused the webhook endpoint ({status})"),
    }
}

/// An owner token for `org`, valid for [`TOKEN_DAYS`] of demo time from `now`.
fn owner_token(settings: &Settings, org: &str, now: DateTime<Utc>) -> anyhow::Result<SecretString> {
    let authority = TokenAuthority::new(settings.jwt_secret.clone(), token_policy(settings));
    let exp = now.timestamp().saturating_add(TOKEN_DAYS * 86_400);
    let claims =
        Claims { sub: "demo_owner".into(), org_id: org.to_owned(), role: Role::Owner, email: None, exp, iat: None, iss: None, aud: None };
    let (token, _) = authority.issue(claims, now).context("the demo token cannot be signed")?;
    Ok(SecretString::from(token))
}

/// Starts the simulator, rewires `settings` to it, binds the listener, registers the server's
/// webhook URL (known only once bound) and installs its secret, then builds the application on
/// the simulator's clock and prints the banner.
///
/// # Errors
/// When the settings are invalid (a live key among them), the simulator or the listener cannot
/// start, or the application cannot be built.
pub(crate) async fn launch(mut settings: Settings, cadence: Cadence) -> anyhow::Result<Application> {
    settings.validate()?;
    let config = SimConfig::default();
    let sim = Simulator::start(config.clone()).context("the Stripe simulator cannot start")?;
    point_stripe_at(&mut settings, &sim.base_url, &config);
    fill_in(&mut settings);
    let listener = TcpListener::bind(settings.bind_addr).with_context(|| format!("BIND_ADDR {} cannot be bound", settings.bind_addr))?;
    let base_url = own_url(listener.local_addr()?);
    let key = settings.shared.stripe_secret_key.clone().context("the demo key is missing")?;
    let secret = register_endpoint(&sim, &key, &format!("{base_url}/api/webhooks/stripe")).await?;
    settings.stripe_webhook_secrets = vec![secret];
    // The billing pages are the demo's user interface, so Checkout and the portal return to them.
    let public_url = settings.public_url.get_or_insert_with(|| base_url.clone()).clone();
    // Without an app of its own, "Back to the app" would lead to a port nothing listens on; the
    // demo's home is its billing page.
    if settings.app_base_url == crate::config::DEFAULT_APP_BASE_URL {
        settings.app_base_url = format!("{public_url}{}", crate::pages::BILLING_PATH);
    }
    let clock = Arc::new(SimulatedClock::new(sim.clock.clone()));
    // A new organization each run: the store outlives the simulator, whose customers it names.
    let org = format!("org_demo_{}", random(8).to_lowercase());
    let owner_token = owner_token(&settings, &org, clock.now())?;
    let demo = Demo { sim, base_url, public_url, org, owner_token };
    let app = Application::build_on(settings, cadence, listener, clock).await?;
    banner::announce(&demo);
    Ok(app.with_demo(demo))
}

#[cfg(test)]
mod tests;
