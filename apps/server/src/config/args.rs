//! The command-line flags and environment variables, parsed by clap; validated by [`super::resolve`].

use billing_wiring::config::SharedArgs;
use clap::Parser;

/// Every setting, as a flag or an environment variable. Unset values fall back to the file, then
/// defaults. The shared ones come first, from billing-wiring, which billing-admin embeds too, so
/// both binaries read them alike; the rest only the server reads.
#[derive(Parser, Default)]
#[command(name = "billing-server", about = "Subscription billing for plans sold through Stripe", version)]
pub struct Args {
    #[command(flatten)]
    pub(crate) shared: SharedArgs,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "BIND_ADDR")]
    pub(crate) bind_addr: Option<String>,
    /// Webhook signing secrets, comma-separated; all are accepted (rotation).
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) stripe_webhook_secret: Option<String>,
    /// HS256 secret for API tokens, at least 32 bytes; without it, API requests answer 503.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub(crate) jwt_secret: Option<String>,
    /// Lifetime of refreshed tokens in seconds, 1 to 604800 [default: 3600].
    #[arg(long, env = "JWT_TTL_SECS")]
    pub(crate) jwt_ttl_secs: Option<i64>,
    /// How long after expiry a token may still be refreshed, in seconds, 1 to 604800 [default: 1800].
    #[arg(long, env = "JWT_REFRESH_WINDOW_SECS")]
    pub(crate) jwt_refresh_window_secs: Option<i64>,
    /// How long after a session's first token (`iat`) it may still be refreshed, in seconds,
    /// 60 to 31536000 [default: 604800].
    #[arg(long, env = "JWT_MAX_SESSION_SECS")]
    pub(crate) jwt_max_session_secs: Option<i64>,
    /// `iss` every API token must carry (refreshed tokens keep it); unchecked when unset.
    #[arg(long, env = "JWT_ISSUER")]
    pub(crate) jwt_issuer: Option<String>,
    /// `aud` every API token must carry (refreshed tokens keep it); when unset, tokens with an audience are refused.
    #[arg(long, env = "JWT_AUDIENCE")]
    pub(crate) jwt_audience: Option<String>,
    /// Your app's URL, for Checkout and portal return URLs [default: http://localhost:3000].
    #[arg(long, env = "APP_BASE_URL")]
    pub(crate) app_base_url: Option<String>,
    /// This server's public URL, e.g. https://billing.example.com; when set, Checkout and the
    /// portal return to its /billing and /pricing pages instead of APP_BASE_URL [default: unset;
    /// in demo mode the bound address].
    #[arg(long, env = "PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    /// Who may embed the /billing and /pricing pages in a frame: the CSP frame-ancestors sources,
    /// space-separated (e.g. https://app.example.com) [default: 'none'].
    #[arg(long, env = "PAGES_FRAME_ANCESTORS")]
    pub(crate) pages_frame_ancestors: Option<String>,
    /// Webhook workers per instance [default: 2].
    #[arg(long, env = "BILLING_WORKERS")]
    pub(crate) workers: Option<usize>,
    /// Events a worker claims, decides and commits in one transaction, 1 to 1000 [default: 32].
    #[arg(long, env = "BILLING_BATCH_SIZE")]
    pub(crate) batch_size: Option<u32>,
    /// Processing attempts before an event goes to the dead letter [default: 10].
    #[arg(long, env = "BILLING_MAX_ATTEMPTS")]
    pub(crate) max_attempts: Option<u32>,
    /// Seconds after its receipt an event failing only because the database or Stripe is down is
    /// still retried, past BILLING_MAX_ATTEMPTS, 3600 to 2592000 [default: 259200, Stripe's own
    /// three days].
    #[arg(long, env = "BILLING_RETRY_HORIZON_SECS")]
    pub(crate) retry_horizon_secs: Option<u64>,
    /// Accepted age of a webhook signature in seconds, 1 to 3600 [default: 300].
    #[arg(long, env = "WEBHOOK_TOLERANCE_SECS")]
    pub(crate) webhook_tolerance_secs: Option<i64>,
    /// `json` for JSON logs, anything else for text.
    #[arg(long, env = "LOG_FORMAT")]
    pub(crate) log_format: Option<String>,
    /// URL that receives every notice as a JSON POST; without it, notices are only logged.
    #[arg(long, env = "NOTIFY_WEBHOOK_URL", hide_env_values = true)]
    pub(crate) notify_webhook_url: Option<String>,
    /// Secret that signs notice deliveries (`Billing-Signature`, Stripe's scheme).
    #[arg(long, env = "NOTIFY_WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) notify_webhook_secret: Option<String>,
    /// Proxies whose X-Forwarded-For is believed, as comma-separated CIDR ranges or addresses
    /// (e.g. 10.0.0.0/8); unset means the TCP peer is the client.
    #[arg(long, env = "TRUSTED_PROXIES")]
    pub(crate) trusted_proxies: Option<String>,
    /// Seconds a request body may take to arrive before the answer is 408, 1 to 60 [default: 5].
    #[arg(long, env = "BODY_READ_TIMEOUT_SECS")]
    pub(crate) body_read_timeout_secs: Option<u64>,
    /// Seconds between two drift checks, which compare every organization with a live
    /// subscription to Stripe and export how many differ; 0 turns them off, else 300 to 604800
    /// [default: 21600].
    #[arg(long, env = "DRIFT_CHECK_INTERVAL_SECS")]
    pub(crate) drift_check_interval_secs: Option<u64>,
    /// Stripe reads per second a drift check makes at most, 1 to 20 [default: 5].
    #[arg(long, env = "DRIFT_CHECK_RATE")]
    pub(crate) drift_check_rate: Option<u32>,
    /// Bearer token GET /metrics requires; without it, /metrics is open.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub(crate) metrics_token: Option<String>,
    /// Runs against a Stripe simulator started in this process, with generated secrets and a
    /// demo organization; no real money moves. Refused with a live Stripe key.
    #[arg(long, env = "BILLING_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) demo: bool,
}

// Written by hand: the flags hold secrets as plain strings until they are validated.
impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args").field("shared", &self.shared).finish_non_exhaustive()
    }
}
