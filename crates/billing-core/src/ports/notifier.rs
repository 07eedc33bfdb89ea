//! The notifier port: delivers notices (email, chat, ...) to an organization.

use async_trait::async_trait;

use crate::ids::OrgId;
use crate::notice::Notice;

/// Why a notice was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The recipient cannot be reached (no address); retrying will not help.
    #[error("no recipient for organization {0}")]
    NoRecipient(OrgId),
    #[error("notification channel unavailable")]
    Unavailable,
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Sends notices.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// # Errors
    /// [`NotifyError::Unavailable`] for a transient failure the caller should retry.
    async fn notify(&self, org: &OrgId, notice: &Notice) -> Result<(), NotifyError>;
}
