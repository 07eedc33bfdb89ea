//! A durable Postgres cluster owned by one process, which may crash and restart it on purpose.
//!
//! Unlike the shared test cluster, this one keeps `fsync` on, so a crash (`pg_ctl stop -m
//! immediate`) loses nothing that was committed: chaos runs prove acknowledged events survive it.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::binaries::{Binaries, Runner};
use super::cluster::{free_port, prepare};

/// Loopback only, enough connections for two server instances and a checker.
const SETTINGS: &str = "
# Added by billing-testkit for an owned, durable cluster.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
";

/// A running cluster; stopped when dropped.
#[derive(Debug)]
pub struct OwnedCluster {
    data: PathBuf,
    log: PathBuf,
    port: u16,
    binaries: Binaries,
    runner: Runner,
}

impl OwnedCluster {
    /// Initialises a cluster under `root` (which must not hold one yet) and starts it.
    ///
    /// # Errors
    /// When the server binaries are missing, or initdb or the start fails.
    pub fn start(root: &Path) -> anyhow::Result<Self> {
        let binaries = Binaries::find()?;
        let runner = Runner::detect()?;
        anyhow::ensure!(prepare(root, &runner)?, "the server user cannot write to {}", root.display());
        let data = root.join("data");
        let data_arg = data.to_string_lossy().into_owned();
        runner.run(&binaries.initdb, &["-D", &data_arg, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"])?;
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).context("cannot read postgresql.conf")?;
        text.push_str(SETTINGS);
        // The file belongs to the server user; writing it through the runner keeps its owner.
        let staged = root.join("postgresql.conf.new");
        std::fs::write(&staged, text).context("cannot stage postgresql.conf")?;
        runner.run(Path::new("cp"), &[&staged.to_string_lossy(), &conf.to_string_lossy()])?;
        let cluster = Self { log: root.join("postgres.log"), data, port: free_port()?, binaries, runner };
        cluster.start_server()?;
        Ok(cluster)
    }

    fn start_server(&self) -> anyhow::Result<()> {
        let (data, log, options) = (self.data.to_string_lossy(), self.log.to_string_lossy(), format!("-p {}", self.port));
        self.runner.run(&self.binaries.pg_ctl, &["-D", &data, "-l", &log, "-w", "-t", "60", "-o", &options, "start"])?;
        Ok(())
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL of database `name` as user `postgres`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Crashes the server (immediate stop: no checkpoint, recovery from the WAL on start), then
    /// starts it again on the same port.
    ///
    /// # Errors
    /// When either step fails.
    pub fn crash_and_restart(&self) -> anyhow::Result<()> {
        let data = self.data.to_string_lossy();
        self.runner.run(&self.binaries.pg_ctl, &["-D", &data, "-m", "immediate", "-w", "stop"])?;
        self.start_server()
    }
}

impl Drop for OwnedCluster {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy();
        if let Err(e) = self.runner.run(&self.binaries.pg_ctl, &["-D", &data, "-m", "fast", "-w", "stop"]) {
            eprintln!("stopping the owned Postgres cluster failed: {e:#}");
        }
    }
}
