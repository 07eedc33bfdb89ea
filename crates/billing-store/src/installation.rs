//! This database's installation id: stored by the first caller, returned to every later one.

use billing_core::ids::InstallationId;
use billing_core::ports::RepositoryError;
use chrono::{DateTime, Utc};

use crate::db::{QueryExt, RowExt};
use crate::dialect::{Conn, Dialect};
use crate::error::{repository_error, CodecError};
use crate::sql::{INSERT_INSTALLATION, SELECT_INSTALLATION};

/// Stores `candidate`, created at `now`, unless an installation id is stored already, then
/// returns the stored one.
///
/// The insert does nothing when a row exists, and the read runs as a statement of its own
/// after it, so it sees the winner of any race: on Postgres a losing insert waits for the
/// winner's commit, and on SQLite writes are serialised. On Postgres `conn` must be in a READ
/// COMMITTED transaction: under a stricter isolation a losing insert fails to serialize
/// rather than doing nothing, and its read would not see the winner's row.
///
/// # Errors
/// The database error, [`CodecError`] for a stored id that is not a valid installation id, or
/// an unknown error when the row is missing after the insert (something deleted it).
pub(crate) async fn ensure_installation_in<D: Dialect>(
    conn: &mut Conn<D>,
    candidate: &InstallationId,
    now: DateTime<Utc>,
) -> Result<InstallationId, RepositoryError> {
    let insert = D::query(INSERT_INSTALLATION).arg(candidate.as_str()).arg(D::time(now));
    insert.execute_on(&mut *conn).await.map_err(repository_error)?;
    let row = D::query(SELECT_INSTALLATION).fetch_optional_on(&mut *conn).await.map_err(repository_error)?;
    let Some(row) = row else {
        return Err(RepositoryError::Unknown(anyhow::anyhow!("the installation row vanished right after it was ensured")));
    };
    let raw: String = row.value("installation_id").map_err(repository_error)?;
    InstallationId::parse(raw.clone()).map_err(|_| CodecError::bad("installation_id", raw).into())
}
