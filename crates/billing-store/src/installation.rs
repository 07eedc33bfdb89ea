//! This database's installation id: stored by the first caller, returned to every later one.

use billing_core::ids::InstallationId;
use billing_core::ports::RepositoryError;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

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
pub async fn ensure_installation_in<DB, T>(
    conn: &mut DB::Connection,
    candidate: &InstallationId,
    now: T,
) -> Result<InstallationId, RepositoryError>
where
    DB: Database,
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> T: Encode<'q, DB> + Type<DB> + Send + 'q,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    sqlx::query::<DB>(INSERT_INSTALLATION).bind(candidate.as_str()).bind(now).execute(&mut *conn).await.map_err(repository_error)?;
    let row = sqlx::query::<DB>(SELECT_INSTALLATION).fetch_optional(&mut *conn).await.map_err(repository_error)?;
    let Some(row) = row else {
        return Err(RepositoryError::Unknown(anyhow::anyhow!("the installation row vanished right after it was ensured")));
    };
    let raw: String = row.try_get("installation_id").map_err(repository_error)?;
    InstallationId::parse(raw.clone()).map_err(|_| CodecError::bad("installation_id", raw).into())
}
