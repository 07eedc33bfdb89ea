//! A store's first migrations alone, to test that the later ones upgrade data already stored.

use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, Migrator};

/// The migrations of a store up to a version, handed to [`Migrator::new`].
#[derive(Debug)]
struct UpTo {
    migrator: &'static Migrator,
    version: i64,
}

impl MigrationSource<'static> for UpTo {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        let kept = self.migrator.iter().filter(|m| m.version <= self.version).cloned().collect();
        Box::pin(async move { Ok(kept) })
    }
}

/// A migrator of `migrator`'s migrations up to and including `version`. Running it, writing
/// rows in that schema, then running `migrator` itself applies only the later migrations, as an
/// upgrade of a deployed database would; the checksums match, because the migrations are the
/// same ones.
///
/// # Errors
/// [`MigrateError`] when the migrations do not resolve, which embedded ones always do.
pub async fn migrator_up_to(migrator: &'static Migrator, version: i64) -> Result<Migrator, MigrateError> {
    Migrator::new(UpTo { migrator, version }).await
}
