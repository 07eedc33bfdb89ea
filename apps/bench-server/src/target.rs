//! Where scenarios keep their data: a fresh database per scenario on a throwaway durable
//! Postgres cluster or a given server, or a fresh embedded SQLite file.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use billing_testkit::OwnedCluster;
use sqlx::{Connection, PgConnection};

/// A Postgres server scenarios create their databases on.
#[derive(Debug)]
pub struct Postgres {
    admin_url: String,
    /// Unique per run, so databases on a shared server never collide with another run's.
    prefix: String,
    /// The throwaway cluster, stopped when dropped; `None` on a given server.
    cluster: Option<OwnedCluster>,
}

impl Postgres {
    /// Uses `database_url` (its role needs CREATEDB), or starts a throwaway cluster (`fsync` on,
    /// default settings, loopback only) under `dir`.
    ///
    /// # Errors
    /// When the cluster cannot be started or the server cannot be reached.
    pub async fn start(database_url: Option<&str>, dir: &Path) -> anyhow::Result<Self> {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let prefix = format!("billing_bench_{secs}_{}", std::process::id());
        if let Some(url) = database_url {
            let target = Self { admin_url: url.to_owned(), prefix, cluster: None };
            target.admin().await?.close().await.ok();
            return Ok(target);
        }
        let root = dir.join("pg");
        let cluster =
            tokio::task::spawn_blocking(move || OwnedCluster::start(&root)).await?.context("cannot start a throwaway Postgres")?;
        Ok(Self { admin_url: cluster.url("postgres"), prefix, cluster: Some(cluster) })
    }

    /// Where the server runs, for the report.
    pub fn describe(&self) -> String {
        match &self.cluster {
            Some(cluster) => format!("throwaway cluster on 127.0.0.1:{} (fsync on)", cluster.port()),
            None => "the server at --database-url".to_owned(),
        }
    }

    async fn admin(&self) -> anyhow::Result<PgConnection> {
        PgConnection::connect(&self.admin_url).await.context("cannot connect to Postgres as its administrator")
    }

    /// Creates an empty database for `label` and returns its URL.
    ///
    /// # Errors
    /// When the database cannot be created.
    pub async fn create(&self, label: &str) -> anyhow::Result<String> {
        let name = format!("{}_{label}", self.prefix);
        let mut admin = self.admin().await?;
        sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await.with_context(|| format!("cannot create {name}"))?;
        admin.close().await.ok();
        let mut url = url::Url::parse(&self.admin_url).context("the database URL does not parse")?;
        url.set_path(&format!("/{name}"));
        Ok(url.to_string())
    }

    /// Drops the database of `label`, so a long run on a given server leaves nothing behind.
    ///
    /// # Errors
    /// When the database cannot be dropped.
    pub async fn drop_database(&self, label: &str) -> anyhow::Result<()> {
        let name = format!("{}_{label}", self.prefix);
        let mut admin = self.admin().await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .with_context(|| format!("cannot drop {name}"))?;
        admin.close().await.ok();
        Ok(())
    }
}

/// The store every scenario of a run uses.
#[derive(Debug)]
pub enum Target {
    Postgres(Postgres),
    /// Files under this directory, one per scenario.
    Sqlite(PathBuf),
}

impl Target {
    /// A fresh database for `label`, as the server's `DATABASE_URL`.
    ///
    /// # Errors
    /// When a Postgres database cannot be created.
    pub async fn fresh(&self, label: &str) -> anyhow::Result<String> {
        match self {
            Self::Postgres(pg) => pg.create(label).await,
            Self::Sqlite(dir) => Ok(format!("sqlite://{}", dir.join(format!("{label}.sqlite")).display())),
        }
    }

    /// Removes what [`Target::fresh`] made for `label`; the embedded store's files go with the
    /// run's temporary directory.
    ///
    /// # Errors
    /// When a Postgres database cannot be dropped.
    pub async fn discard(&self, label: &str) -> anyhow::Result<()> {
        match self {
            Self::Postgres(pg) => pg.drop_database(label).await,
            Self::Sqlite(_) => Ok(()),
        }
    }
}
