//! Fresh Postgres databases for tests and benchmarks, on `DATABASE_URL` or a throwaway cluster.

mod binaries;
mod cluster;
mod owned;

pub use binaries::find_tool;
pub use owned::OwnedCluster;

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::{Connection, PgConnection, Row};
use tokio::sync::OnceCell;
use url::Url;

/// Prefix of every database this module creates, so cleanup never touches anything else.
const DB_PREFIX: &str = "billing_test_";

/// Test databases older than this are dropped by later runs; a failed test's database stays
/// around this long for inspection.
const KEEP_SECS: u64 = 2 * 3600;

/// The admin URL of the server, resolved once per process.
static ADMIN_URL: OnceCell<String> = OnceCell::const_new();

/// A URL of a new, empty database; panics with instructions when no Postgres is available.
///
/// Uses `DATABASE_URL` when set; otherwise starts (or reuses) a throwaway cluster under the
/// Cargo target directory. Tests must not skip when Postgres is missing, so this panics.
pub async fn fresh_postgres_database() -> String {
    match try_fresh_postgres_database().await {
        Ok(url) => url,
        Err(e) => panic!("cannot provide a Postgres test database: {e:#}"),
    }
}

/// Like [`fresh_postgres_database`], returning the error instead of panicking.
///
/// # Errors
/// When no server is configured and none can be started, or the database cannot be created.
pub async fn try_fresh_postgres_database() -> anyhow::Result<String> {
    let admin = ADMIN_URL.get_or_try_init(admin_url).await?;
    create_database(admin).await
}

async fn admin_url() -> anyhow::Result<String> {
    let admin = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            let port = tokio::task::spawn_blocking(cluster::ensure_running).await.context("cluster start panicked")??;
            format!("postgres://postgres@127.0.0.1:{port}/postgres")
        }
    };
    drop_stale_databases(&admin).await;
    Ok(admin)
}

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

async fn create_database(admin: &str) -> anyhow::Result<String> {
    let name = format!("{DB_PREFIX}{}_{}", unix_secs(), &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let mut conn = PgConnection::connect(admin).await.with_context(|| format!("cannot connect to {}", redact(admin)))?;
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.context("CREATE DATABASE failed")?;
    conn.close().await.ok();
    let mut url = Url::parse(admin).context("the admin URL does not parse")?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// Drops databases earlier runs left behind. Best effort: a failure here never fails a test.
async fn drop_stale_databases(admin: &str) {
    let Ok(mut conn) = PgConnection::connect(admin).await else { return };
    let pattern = format!("{DB_PREFIX}%");
    let Ok(rows) = sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE $1").bind(pattern).fetch_all(&mut conn).await else {
        return;
    };
    let cutoff = unix_secs().saturating_sub(KEEP_SECS);
    for row in rows {
        let Ok(name) = row.try_get::<String, _>("datname") else { continue };
        let created = name.strip_prefix(DB_PREFIX).and_then(|rest| rest.split('_').next()).and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|secs| secs < cutoff) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn).await;
        }
    }
    conn.close().await.ok();
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparsable DATABASE_URL>".to_owned(),
    }
}
