//! A throwaway Postgres cluster under the Cargo target directory, shared by test processes.
//!
//! The first process to need it runs `initdb` and `pg_ctl start` on a free loopback port and
//! records the port next to the data directory; later processes find it running and reuse it.
//! A file lock serialises those checks, so concurrent test binaries never start two servers.
//! The cluster keeps running after the tests; stop it with
//! `pg_ctl -D target/pg-test-cluster/data stop` (as the `postgres` user when running as root).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use fs4::fs_std::FileExt;

use super::binaries::{id_of, Binaries, Runner, SERVER_USER};

/// Settings for a disposable, fast, loopback-only server. Durability is off on purpose: the
/// data is thrown away, and tests should not wait on fsync.
const SETTINGS: &str = "
# Added by billing-testkit for a disposable test cluster.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
";

/// Files of one cluster.
#[derive(Debug)]
struct Layout {
    data: PathBuf,
    port_file: PathBuf,
    log: PathBuf,
    lock: PathBuf,
}

impl Layout {
    fn at(root: PathBuf) -> Self {
        Self { data: root.join("data"), port_file: root.join("port"), log: root.join("postgres.log"), lock: root.join("lock") }
    }
}

/// The Cargo target directory of the running test or bench binary.
fn target_dir() -> PathBuf {
    // Binaries live in `<target>/<profile>/deps`; Cargo marks `<target>` with CACHEDIR.TAG.
    if let Some(dir) =
        std::env::current_exe().ok().and_then(|exe| exe.ancestors().find(|a| a.join("CACHEDIR.TAG").is_file()).map(Path::to_owned))
    {
        return dir;
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    }
}

/// FNV-1a, to name a fallback directory after the target directory.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Creates `root` and, when running as root, hands it to the server user.
pub(super) fn prepare(root: &Path, runner: &Runner) -> anyhow::Result<bool> {
    fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
    if let Runner::AsServerUser { .. } = runner {
        let (uid, gid) = (id_of(&["-u", SERVER_USER])?, id_of(&["-g", SERVER_USER])?);
        std::os::unix::fs::chown(root, Some(uid), Some(gid)).with_context(|| format!("cannot chown {}", root.display()))?;
        return Ok(runner.can_write(root));
    }
    Ok(true)
}

/// The cluster directory: in the target directory, or in the temp directory when the server
/// user cannot reach the target directory (for example a checkout under `/root`).
fn choose_layout(runner: &Runner) -> anyhow::Result<Layout> {
    let target = target_dir();
    let preferred = target.join("pg-test-cluster");
    if prepare(&preferred, runner)? {
        return Ok(Layout::at(preferred));
    }
    // The preferred directory is unusable; leave nothing behind in it.
    let _ = fs::remove_dir(&preferred);
    let fallback = std::env::temp_dir().join(format!("billing-pg-test-cluster-{:016x}", fnv(&target.to_string_lossy())));
    if prepare(&fallback, runner)? {
        return Ok(Layout::at(fallback));
    }
    bail!("the `{SERVER_USER}` user cannot write to {} or {}", preferred.display(), fallback.display())
}

/// Starts the cluster unless it is running, and returns its port.
pub(super) fn ensure_running() -> anyhow::Result<u16> {
    let binaries = Binaries::find()?;
    let runner = Runner::detect()?;
    let layout = choose_layout(&runner)?;
    let lock =
        OpenOptions::new().create(true).truncate(false).write(true).open(&layout.lock).context("cannot open the cluster lock file")?;
    FileExt::lock_exclusive(&lock).context("cannot lock the cluster lock file")?;
    let port = match running_port(&layout, &runner, &binaries) {
        Some(port) => port,
        None => start_cluster(&layout, &runner, &binaries)?,
    };
    drop(lock);
    Ok(port)
}

fn server_alive(layout: &Layout, runner: &Runner, binaries: &Binaries) -> bool {
    let data = layout.data.to_string_lossy();
    runner.command(&binaries.pg_ctl, &["-D", &data, "status"]).output().is_ok_and(|o| o.status.success())
}

/// The port of our running server, checked against its pid file and by connecting.
fn running_port(layout: &Layout, runner: &Runner, binaries: &Binaries) -> Option<u16> {
    let port: u16 = fs::read_to_string(&layout.port_file).ok()?.trim().parse().ok()?;
    // The fourth line of postmaster.pid is the port the server listens on.
    let pid_file = fs::read_to_string(layout.data.join("postmaster.pid")).ok()?;
    if pid_file.lines().nth(3)?.trim() != port.to_string() || !server_alive(layout, runner, binaries) {
        return None;
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok().map(|_| port)
}

fn start_cluster(layout: &Layout, runner: &Runner, binaries: &Binaries) -> anyhow::Result<u16> {
    let data = layout.data.to_string_lossy().into_owned();
    if server_alive(layout, runner, binaries) {
        // Running, but not on the recorded port: stop it and start afresh.
        runner.run(&binaries.pg_ctl, &["-D", &data, "-m", "fast", "-w", "stop"])?;
    }
    if !layout.data.join("PG_VERSION").is_file() {
        init_cluster(layout, runner, binaries)?;
    }
    let log = layout.log.to_string_lossy().into_owned();
    let mut last_error = None;
    // A port found free can be taken before the server binds it, so try a few.
    for _ in 0..3 {
        let port = free_port()?;
        let options = format!("-p {port}");
        match runner.run(&binaries.pg_ctl, &["-D", &data, "-l", &log, "-w", "-t", "60", "-o", &options, "start"]) {
            Ok(_) => {
                fs::write(&layout.port_file, port.to_string()).context("cannot record the cluster port")?;
                return Ok(port);
            }
            Err(e) => last_error = Some(e),
        }
    }
    let tail = fs::read_to_string(&layout.log).unwrap_or_default();
    let tail: String = tail.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("pg_ctl start failed")))
        .context(format!("server log {}:\n{tail}", layout.log.display()))
}

fn init_cluster(layout: &Layout, runner: &Runner, binaries: &Binaries) -> anyhow::Result<()> {
    if layout.data.exists() {
        // A half-finished initdb leaves a directory without PG_VERSION; initdb needs it gone.
        fs::remove_dir_all(&layout.data).with_context(|| format!("cannot remove {}", layout.data.display()))?;
    }
    let data = layout.data.to_string_lossy();
    let args = ["-D", &data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"];
    runner.run(&binaries.initdb, &args).context("initdb failed")?;
    let mut conf = OpenOptions::new().append(true).open(layout.data.join("postgresql.conf")).context("cannot open postgresql.conf")?;
    conf.write_all(SETTINGS.as_bytes()).context("cannot write postgresql.conf")?;
    File::sync_all(&conf).ok();
    Ok(())
}

pub(super) fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free loopback port")?;
    Ok(listener.local_addr()?.port())
}
