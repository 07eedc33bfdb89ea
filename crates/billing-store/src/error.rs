//! Decoding errors and the translation of database errors into the ports' error enums.

use billing_core::ports::{LedgerError, RepositoryError};

/// A stored value that does not decode into a domain value: the row was written by something
/// else or the schema drifted, so it is reported rather than guessed at.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("column `{column}` holds an invalid value `{value}`")]
    BadValue { column: &'static str, value: String },
    #[error("column `{column}` is missing a value that `{because}` requires")]
    Missing { column: &'static str, because: &'static str },
    #[error("timestamp {0} µs is out of range")]
    Timestamp(i64),
    #[error("stored JSON does not decode")]
    Json(#[from] serde_json::Error),
}

impl CodecError {
    /// A bad value in `column`.
    pub fn bad(column: &'static str, value: impl std::fmt::Display) -> Self {
        Self::BadValue { column, value: value.to_string() }
    }
}

/// What a database error means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    /// A unique constraint refused the write.
    UniqueViolation,
    /// The database could not be reached or is shutting down; retrying later may work.
    Unavailable,
    Other,
}

/// Sorts a driver error into what the ports distinguish.
pub fn classify(error: &sqlx::Error) -> DbFailure {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            DbFailure::Unavailable
        }
        sqlx::Error::Database(db) if db.is_unique_violation() => DbFailure::UniqueViolation,
        sqlx::Error::Database(db) => match db.code() {
            Some(code) if unavailable_code(&code) => DbFailure::Unavailable,
            _ => DbFailure::Other,
        },
        _ => DbFailure::Other,
    }
}

/// Postgres connection-exception and shutdown states, a statement cancelled by
/// `statement_timeout` (the database did not answer in time, so a later try may), and SQLite
/// busy, locked and cannot-open results (primary code in the low byte of an extended code).
fn unavailable_code(code: &str) -> bool {
    if code.starts_with("08") || matches!(code, "53300" | "57014" | "57P01" | "57P02" | "57P03") {
        return true;
    }
    // SQLite result codes have at most four digits and SQLSTATEs always five characters. Reading
    // an all-digit SQLSTATE such as `42501` as a SQLite code would find "busy" in its low byte.
    code.len() < SQLSTATE_LEN && code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 14))
}

/// The length of every Postgres SQLSTATE.
const SQLSTATE_LEN: usize = 5;

/// The repository error for a database error outside any business rule.
pub fn repository_error(error: sqlx::Error) -> RepositoryError {
    match classify(&error) {
        DbFailure::Unavailable => Unreachable(error).into(),
        DbFailure::UniqueViolation | DbFailure::Other => RepositoryError::Unknown(error.into()),
    }
}

/// The ledger error for a database error outside any business rule.
pub fn ledger_error(error: sqlx::Error) -> LedgerError {
    match classify(&error) {
        DbFailure::Unavailable => Unreachable(error).into(),
        DbFailure::UniqueViolation | DbFailure::Other => LedgerError::Unknown(error.into()),
    }
}

/// The repository error for a failed write of an organization's state. The only unique keys of
/// `organizations` besides the primary key are the Stripe customer and subscription ids, so a
/// unique violation means one of them already belongs to another organization.
pub fn state_write_error(error: sqlx::Error) -> RepositoryError {
    match classify(&error) {
        DbFailure::UniqueViolation => RepositoryError::OwnershipConflict,
        DbFailure::Unavailable | DbFailure::Other => repository_error(error),
    }
}

/// No connection could be had or no transaction begun, whatever the driver said (a refused
/// connection, a database not accepting connections, a pool timeout): the call never reached
/// the data, so it is reported as unavailable and may be retried. The ports' `Unavailable`
/// carries no cause, so the cause is logged here.
#[derive(Debug)]
pub struct Unreachable(pub sqlx::Error);

impl From<Unreachable> for RepositoryError {
    fn from(Unreachable(error): Unreachable) -> Self {
        tracing::warn!(%error, "billing database unavailable");
        RepositoryError::Unavailable
    }
}

impl From<Unreachable> for LedgerError {
    fn from(Unreachable(error): Unreachable) -> Self {
        tracing::warn!(%error, "billing database unavailable");
        LedgerError::Unavailable
    }
}

impl From<CodecError> for RepositoryError {
    fn from(error: CodecError) -> Self {
        RepositoryError::Unknown(error.into())
    }
}

impl From<CodecError> for LedgerError {
    fn from(error: CodecError) -> Self {
        LedgerError::Unknown(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_states_of_both_databases_count_as_unavailable() {
        assert!(unavailable_code("08006"));
        assert!(unavailable_code("57P01"));
        assert!(unavailable_code("57014"), "a statement that ran out its statement_timeout");
        assert!(unavailable_code("5"));
        assert!(unavailable_code("517"));
        assert!(!unavailable_code("23505"));
        assert!(!unavailable_code("2067"));
        // All-digit SQLSTATEs whose low byte happens to be a SQLite busy, locked or cannot-open
        // code: a privilege error and data exceptions, none of which a retry would cure.
        for sqlstate in ["42501", "22021", "22022", "22030"] {
            assert!(!unavailable_code(sqlstate), "{sqlstate}");
        }
        assert_eq!(classify(&sqlx::Error::PoolTimedOut), DbFailure::Unavailable);
        assert_eq!(classify(&sqlx::Error::RowNotFound), DbFailure::Other);
    }
}
