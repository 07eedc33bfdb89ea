//! The notifier port: delivers notices (email, chat, ...) to an organization.

use async_trait::async_trait;

use super::repository::OutboxItem;
use crate::ids::OrgId;

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

/// Sends notices. Delivery is at least once: a notice whose delivery failed, or whose outcome
/// was lost, is offered again, so receivers deduplicate by `item.id`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// # Errors
    /// [`NotifyError::NoRecipient`] when retrying cannot help (the notice is dropped);
    /// [`NotifyError::Unavailable`] or [`NotifyError::Unknown`] when it should be retried.
    async fn notify(&self, item: &OutboxItem) -> Result<(), NotifyError>;
}
