//! Why an operator command failed; each variant says what to do about it.

use billing_core::ports::{LedgerError, RepositoryError};
use billing_core::services::{BillingError, IntakeError};
use billing_core::{OrgId, StripeEventId};
use billing_stripe::StripeError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("event {0} is not in the ledger")]
    EventNotFound(StripeEventId),
    #[error("event {0} is still queued or in flight; only finished or dead events can be replayed")]
    NotReplayable(StripeEventId),
    #[error("organization {0} is not known")]
    OrgNotFound(OrgId),
    #[error("no embedded database at {}; set DATABASE_URL to the store the server uses", .0.display())]
    NoDatabase(std::path::PathBuf),
    #[error("not confirmed: the typed answer was not {0}; nothing was changed")]
    NotConfirmed(String),
    #[error("STRIPE_SECRET_KEY is not set; this command reads from Stripe")]
    StripeNotConfigured,
    #[error(transparent)]
    Config(#[from] billing_wiring::config::ConfigError),
    #[error("Stripe request failed: {0}")]
    Stripe(#[from] StripeError),
    #[error("webhook ledger failed: {0}")]
    Ledger(#[from] LedgerError),
    #[error("storage failed: {0}")]
    Repository(#[from] RepositoryError),
    #[error("recording an event failed: {0}")]
    Intake(#[from] IntakeError),
    #[error("billing operation failed: {0}")]
    Billing(#[from] BillingError),
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl AdminError {
    /// The ledger's answer for one event, with its business cases named.
    pub(crate) fn from_ledger(error: LedgerError) -> Self {
        match error {
            LedgerError::NotFound(id) => Self::EventNotFound(id),
            LedgerError::NotReplayable(id) => Self::NotReplayable(id),
            other @ (LedgerError::LeaseLost(_) | LedgerError::Unavailable | LedgerError::Unknown(_)) => Self::Ledger(other),
        }
    }
}
