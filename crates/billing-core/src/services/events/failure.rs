//! Why an attempt at an event failed, and how long each cause is worth retrying.

use crate::decide::TransitionError;
use crate::ports::{DecodeError, LedgerError, PaymentError, RepositoryError};
use crate::retry::Persistence;

use super::ProcessOutcome;

/// Why an attempt failed, kept short for the ledger.
#[derive(Clone)]
pub(super) enum Failure {
    /// Retrying cannot help (an undecodable payload, a customer another organization owns).
    Fatal(String),
    /// Retried for as long as the policy allows a failure of this persistence.
    Retry(Persistence, String),
    /// Neither the event nor its customer or subscription names a known organization.
    Unowned,
    LeaseLost,
    HandedBack,
}

impl Failure {
    pub(super) fn transient(reason: impl Into<String>) -> Self {
        Self::Retry(Persistence::Transient, reason.into())
    }

    pub(super) fn persistent(reason: impl Into<String>) -> Self {
        Self::Retry(Persistence::Persistent, reason.into())
    }
}

/// A payload the decoder cannot read will not become readable by retrying; an error of the
/// decoder itself is bounded by the attempts cap.
pub(super) fn undecodable(e: DecodeError) -> Failure {
    match e {
        DecodeError::Malformed(m) | DecodeError::Unsupported(m) => Failure::Fatal(format!("undecodable event: {m}")),
        DecodeError::Unknown(e) => Failure::persistent(format!("decoder failed: {e}")),
    }
}

/// Stripe unavailable, timing out or rate-limiting passes; any other refusal is bounded by the
/// attempts cap.
pub(super) fn refetch_failed(e: PaymentError) -> Failure {
    let persistence = if e.is_transient() { Persistence::Transient } else { Persistence::Persistent };
    Failure::Retry(persistence, format!("re-reading the subscription failed: {e}"))
}

/// Reading a disputed charge's customer failed: transient failures pass, and any other is
/// bounded by the attempts cap.
pub(super) fn charge_read_failed(e: PaymentError) -> Failure {
    let persistence = if e.is_transient() { Persistence::Transient } else { Persistence::Persistent };
    Failure::Retry(persistence, format!("reading the disputed charge's customer failed: {e}"))
}

/// A transition the event asks for that does not apply to the state; it may once an event
/// still on its way is applied, so it is retried up to the attempts cap.
pub(super) fn cannot_apply(e: TransitionError) -> Failure {
    Failure::persistent(format!("cannot apply: {e}"))
}

/// Only an unreachable database or a commit losing a race is sure to pass; any other error may
/// be a bug or bad data, which the attempts cap bounds.
pub(super) fn repo_failure(e: RepositoryError) -> Failure {
    match e {
        RepositoryError::LeaseLost(_) => Failure::LeaseLost,
        RepositoryError::OwnershipConflict => Failure::Fatal(e.to_string()),
        RepositoryError::Unavailable | RepositoryError::VersionConflict { .. } => Failure::transient(e.to_string()),
        RepositoryError::NotFound(_) | RepositoryError::Unknown(_) => Failure::persistent(e.to_string()),
    }
}

pub(super) fn ledger_failure(e: LedgerError) -> Failure {
    match e {
        LedgerError::LeaseLost(_) => Failure::LeaseLost,
        LedgerError::Unavailable => Failure::transient(e.to_string()),
        LedgerError::NotFound(_) | LedgerError::NotReplayable(_) | LedgerError::Unknown(_) => Failure::persistent(e.to_string()),
    }
}

/// `outcome` once the ledger recorded it; a ledger that no longer sees our lease means another
/// worker took the event over, which is not an error.
pub(super) fn settled(written: Result<(), LedgerError>, outcome: ProcessOutcome) -> Result<ProcessOutcome, LedgerError> {
    match written {
        Ok(()) => Ok(outcome),
        Err(LedgerError::LeaseLost(_)) => Ok(ProcessOutcome::LeaseLost),
        Err(e) => Err(e),
    }
}
