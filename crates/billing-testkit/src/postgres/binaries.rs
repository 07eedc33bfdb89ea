//! Finding the PostgreSQL server binaries and running them as a user they accept.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{bail, Context};

/// Where distributions install versioned server binaries, searched after `PATH`: entries of
/// the directory whose names are the prefix followed by a major version, each with a `bin`.
const VERSIONED_ROOTS: [(&str, &str); 4] =
    [("/usr/lib/postgresql", ""), ("/usr", "pgsql-"), ("/opt/homebrew/opt", "postgresql@"), ("/usr/local/opt", "postgresql@")];

/// An unversioned source install, searched last.
const SOURCE_INSTALL: &str = "/usr/local/pgsql/bin";

/// The user the server runs as when the tests run as root; initdb and postgres refuse root.
pub(super) const SERVER_USER: &str = "postgres";

/// Absolute paths of `initdb` and `pg_ctl` from one installation.
#[derive(Debug, Clone)]
pub(super) struct Binaries {
    pub initdb: PathBuf,
    pub pg_ctl: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// `bin` directories of installs, newest major version first.
fn install_dirs() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for (parent, prefix) in VERSIONED_ROOTS {
        let Ok(entries) = std::fs::read_dir(parent) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let major = name.strip_prefix(prefix).and_then(|v| v.split('.').next()).and_then(|v| v.parse::<u32>().ok());
            if let Some(major) = major {
                found.push((major, entry.path().join("bin")));
            }
        }
    }
    found.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    found.into_iter().map(|(_, dir)| dir).chain(std::iter::once(PathBuf::from(SOURCE_INSTALL))).collect()
}

impl Binaries {
    /// Finds `initdb` and `pg_ctl` on `PATH`, then under the usual install directories.
    ///
    /// # Errors
    /// Names what to install when no installation has both binaries.
    pub(super) fn find() -> anyhow::Result<Self> {
        if let (Some(initdb), Some(pg_ctl)) = (on_path("initdb"), on_path("pg_ctl")) {
            return Ok(Self { initdb, pg_ctl });
        }
        for dir in install_dirs() {
            let (initdb, pg_ctl) = (dir.join("initdb"), dir.join("pg_ctl"));
            if initdb.is_file() && pg_ctl.is_file() {
                return Ok(Self { initdb, pg_ctl });
            }
        }
        bail!(
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin, \
             /usr/pgsql-*/bin or Homebrew's postgresql@*: install the PostgreSQL server package \
             (Debian/Ubuntu `postgresql`, Fedora `postgresql-server`, Homebrew `postgresql@16`) \
             or set DATABASE_URL to a server the tests may create databases on"
        )
    }
}

/// A client program of the PostgreSQL installation (`pgbench`, `psql`), found on `PATH`, then
/// under the same install directories as the server binaries.
///
/// # Errors
/// When no installation has it.
pub fn find_tool(name: &str) -> anyhow::Result<PathBuf> {
    on_path(name)
        .or_else(|| install_dirs().into_iter().map(|dir| dir.join(name)).find(|p| p.is_file()))
        .with_context(|| format!("`{name}` not found on PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL client tools"))
}

/// How server commands are run: directly, or as [`SERVER_USER`] when we are root.
#[derive(Debug, Clone)]
pub(super) enum Runner {
    Direct,
    AsServerUser { runuser: Option<PathBuf> },
}

fn output(cmd: &mut Command) -> anyhow::Result<Output> {
    cmd.output().with_context(|| format!("cannot run {cmd:?}"))
}

fn trimmed(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

/// The numeric id `id` prints for `args`.
pub(super) fn id_of(args: &[&str]) -> anyhow::Result<u32> {
    let out = output(Command::new("id").args(args))?;
    if !out.status.success() {
        bail!("`id {}` failed: {}", args.join(" "), trimmed(&out.stderr));
    }
    trimmed(&out.stdout).parse().with_context(|| format!("`id {}` printed no number", args.join(" ")))
}

/// Quotes `arg` for `sh -c`.
fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

impl Runner {
    /// Runs commands as the server user when the tests run as root.
    pub(super) fn detect() -> anyhow::Result<Self> {
        if id_of(&["-u"])? != 0 {
            return Ok(Self::Direct);
        }
        id_of(&["-u", SERVER_USER]).with_context(|| {
            format!(
                "running as root: initdb refuses root, and there is no `{SERVER_USER}` user to run it as (create one or set DATABASE_URL)"
            )
        })?;
        Ok(Self::AsServerUser { runuser: on_path("runuser").or_else(|| Some(PathBuf::from("/usr/sbin/runuser")).filter(|p| p.is_file())) })
    }

    /// A command running `program args…` as the right user.
    pub(super) fn command(&self, program: &Path, args: &[&str]) -> Command {
        match self {
            Self::Direct => {
                let mut cmd = Command::new(program);
                cmd.args(args);
                cmd
            }
            Self::AsServerUser { runuser: Some(runuser) } => {
                let mut cmd = Command::new(runuser);
                cmd.args(["-u", SERVER_USER, "--"]).arg(program).args(args);
                cmd
            }
            Self::AsServerUser { runuser: None } => {
                let line = std::iter::once(program.to_string_lossy().into_owned())
                    .chain(args.iter().map(|a| (*a).to_owned()))
                    .map(|a| shell_quote(&a))
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut cmd = Command::new("su");
                cmd.args(["-s", "/bin/sh", SERVER_USER, "-c", &line]);
                cmd
            }
        }
    }

    /// Runs the command and fails with its output when it exits unsuccessfully.
    pub(super) fn run(&self, program: &Path, args: &[&str]) -> anyhow::Result<Output> {
        let out = output(&mut self.command(program, args))?;
        if !out.status.success() {
            bail!("{} {} failed: {}{}", program.display(), args.join(" "), trimmed(&out.stdout), trimmed(&out.stderr));
        }
        Ok(out)
    }

    /// True when the server user could write into `dir` (every parent traversable).
    pub(super) fn can_write(&self, dir: &Path) -> bool {
        let dir = dir.to_string_lossy();
        self.command(Path::new("test"), &["-w", &dir, "-a", "-x", &dir]).output().is_ok_and(|o| o.status.success())
    }
}
