//! Server instances as child processes of the run: started, killed with SIGKILL, restarted.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;

use crate::stream::PRICES;

/// The webhook signing secret both instances accept.
pub const WEBHOOK_SECRET: &str = "whsec_chaos-run-NOT-A-REAL-SECRET";

/// One `billing-server` process on a fixed loopback port.
#[derive(Debug)]
pub struct Instance {
    pub name: &'static str,
    pub port: u16,
    binary: PathBuf,
    database_url: String,
    log: PathBuf,
    child: Option<Child>,
}

impl Instance {
    /// Starts `billing-server` (found next to this program) on `port` against `database_url`.
    ///
    /// # Errors
    /// When the binary is missing or does not become ready within a minute.
    pub async fn start(name: &'static str, port: u16, database_url: &str, dir: &Path) -> anyhow::Result<Self> {
        let binary = std::env::current_exe()?.with_file_name("billing-server");
        anyhow::ensure!(binary.is_file(), "{} is missing: build it with `cargo build --release -p billing-server`", binary.display());
        let mut instance =
            Self { name, port, binary, database_url: database_url.to_owned(), log: dir.join(format!("{name}.log")), child: None };
        instance.spawn().await?;
        Ok(instance)
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let mut cmd = Command::new(&self.binary);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.database_url)
            .env("BIND_ADDR", format!("127.0.0.1:{}", self.port))
            .env("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("JWT_SECRET", "chaos-run-jwt-secret-of-at-least-32-bytes")
            .env("BILLING_WORKERS", "2")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        for (price, plan) in PRICES {
            cmd.env(format!("STRIPE_PRICE_{}", plan.to_uppercase()), price);
        }
        self.child = Some(cmd.spawn().with_context(|| format!("cannot start {}", self.binary.display()))?);
        self.wait_ready().await
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            let ready = client.get(format!("http://127.0.0.1:{}/readyz", self.port)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("instance {} did not become ready; see {}", self.name, self.log.display())
    }

    /// SIGKILL: no shutdown, no draining, leases left behind.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Err(e) = child.kill() {
                eprintln!("killing {} failed: {e}", self.name);
            }
            let _ = child.wait();
        }
    }

    /// Starts the process again on the same port.
    ///
    /// # Errors
    /// As [`Instance::start`].
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn().await
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free loopback port.
///
/// # Errors
/// When no port can be bound.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
