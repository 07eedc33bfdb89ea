//! Release `billing-server` processes for whole-system runs (chaos runs, the server benchmark):
//! started on a loopback port, probed until ready, killed with SIGKILL, restarted, and sent
//! signed Stripe deliveries.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;

/// The webhook signing secret every process started here accepts.
pub const WEBHOOK_SECRET: &str = "whsec_testkit-run-NOT-A-REAL-SECRET";

/// At least 32 bytes, as the server requires of a JWT secret.
const JWT_SECRET: &str = "testkit-run-jwt-secret-of-at-least-32-bytes";

/// How a process is started.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Names the process in messages and its log file.
    pub name: String,
    pub port: u16,
    /// `postgres://…` or `sqlite://PATH`.
    pub database_url: String,
    /// The file stdout and stderr are appended to.
    pub log: PathBuf,
    /// `BILLING_WORKERS`; the server's default when `None`.
    pub workers: Option<usize>,
    /// `(plan, price)` pairs, each set as `STRIPE_PRICE_<PLAN>`.
    pub prices: Vec<(String, String)>,
}

impl ServerOptions {
    /// Options for a process named `name` on a free port, logging to `<dir>/<name>.log`.
    ///
    /// # Errors
    /// When no loopback port is free.
    pub fn new(name: &str, database_url: &str, dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            name: name.to_owned(),
            port: free_port()?,
            database_url: database_url.to_owned(),
            log: dir.join(format!("{name}.log")),
            workers: None,
            prices: Vec::new(),
        })
    }
}

/// One `billing-server` child process; killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    pub options: ServerOptions,
    binary: PathBuf,
    child: Option<Child>,
}

impl ServerProcess {
    /// Starts `billing-server`, found next to the running program, and waits until it is ready.
    ///
    /// # Errors
    /// When the binary is missing or does not become ready within a minute.
    pub async fn start(options: ServerOptions) -> anyhow::Result<Self> {
        let binary = std::env::current_exe()?.with_file_name("billing-server");
        anyhow::ensure!(binary.is_file(), "{} is missing: build it with `cargo build --release -p billing-server`", binary.display());
        let mut process = Self { options, binary, child: None };
        process.spawn().await?;
        Ok(process)
    }

    /// The loopback port the process listens on.
    pub fn port(&self) -> u16 {
        self.options.port
    }

    /// The operating system's id of the running process, `None` once it was killed.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let o = &self.options;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&o.log)
            .with_context(|| format!("cannot open {}", o.log.display()))?;
        let mut cmd = Command::new(&self.binary);
        // A clean environment, so a developer's own settings never leak into a measured run.
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", &o.database_url)
            .env("BIND_ADDR", format!("127.0.0.1:{}", o.port))
            .env("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("JWT_SECRET", JWT_SECRET)
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        if let Some(workers) = o.workers {
            cmd.env("BILLING_WORKERS", workers.to_string());
        }
        for (plan, price) in &o.prices {
            cmd.env(format!("STRIPE_PRICE_{}", plan.to_uppercase()), price);
        }
        self.child = Some(cmd.spawn().with_context(|| format!("cannot start {}", self.binary.display()))?);
        self.wait_ready().await
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            let ready = client.get(format!("http://127.0.0.1:{}/readyz", self.port())).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("instance {} did not become ready; see {}", self.options.name, self.options.log.display())
    }

    /// SIGKILL: no shutdown, no draining, leases left behind.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Err(e) = child.kill() {
                eprintln!("killing {} failed: {e}", self.options.name);
            }
            let _ = child.wait();
        }
    }

    /// Starts the process again on the same port.
    ///
    /// # Errors
    /// As [`ServerProcess::start`].
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn().await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Posts `body` to the webhook endpoint on `port`, signed now with [`WEBHOOK_SECRET`] the way
/// Stripe signs deliveries.
///
/// # Errors
/// When the request cannot be sent or its answer does not arrive.
pub async fn post_signed_delivery(client: &reqwest::Client, port: u16, body: &[u8]) -> reqwest::Result<reqwest::StatusCode> {
    let header = billing_stripe::generate_test_header(body, WEBHOOK_SECRET, chrono::Utc::now().timestamp());
    let response = client
        .post(format!("http://127.0.0.1:{port}/api/webhooks/stripe"))
        .header("Content-Type", "application/json")
        .header("Stripe-Signature", header)
        .body(body.to_vec())
        .send()
        .await?;
    let status = response.status();
    // Reading the answer to its end hands the connection back to the client's pool for reuse.
    response.bytes().await?;
    Ok(status)
}

/// A free loopback port.
///
/// # Errors
/// When no port can be bound.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
