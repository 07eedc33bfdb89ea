//! The runbook's monitoring queries as commands: past-due organizations, failed and slow
//! events, duplicate event ids and the backlog.

use std::fmt::Write as _;

use billing_core::ports::{EventStatus, LedgerFilter};
use billing_core::BillingState;
use chrono::{DateTime, Duration, Utc};

use crate::context::Admin;
use crate::error::AdminError;
use crate::events;

/// Organizations in `past_due`, in the store's order, each with its grace deadline and the
/// amount of the payment that failed.
///
/// # Errors
/// When the store cannot be read.
pub async fn past_due(admin: &Admin, limit: u32) -> Result<String, AdminError> {
    let orgs = admin.repo.past_due(limit).await?;
    let mut out = String::new();
    for org in &orgs {
        if let Some(state) = admin.repo.load(org).await? {
            let _ = writeln!(out, "{}", past_due_line(&state));
        }
    }
    let _ = write!(out, "{} organization(s) past due", orgs.len());
    Ok(out)
}

fn past_due_line(state: &BillingState) -> String {
    let time = |t: Option<DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
    let failed = state.last_payment_attempt();
    format!(
        "{}  plan={}  grace_until={}  failed_amount={}  failed_at={}",
        state.org_id(),
        state.plan(),
        time(state.grace_until()),
        failed.map_or_else(|| "-".to_owned(), |p| p.amount.to_string()),
        time(failed.map(|p| p.at)),
    )
}

/// Events that failed and wait for a retry, then those given up on, newest first.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn failed(admin: &Admin, since: Option<DateTime<Utc>>, limit: u32) -> Result<String, AdminError> {
    let mut out = String::new();
    for status in [EventStatus::Failed, EventStatus::Dead] {
        let filter = LedgerFilter { status: Some(status), since, limit, ..LedgerFilter::default() };
        let _ = writeln!(out, "{}:\n{}", status.as_str(), events::list(admin, &filter).await?);
    }
    Ok(out.trim_end().to_owned())
}

/// Events whose processing took longer than `over` after their receipt, newest first.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn slow(admin: &Admin, over: Duration, since: Option<DateTime<Utc>>, limit: u32) -> Result<String, AdminError> {
    events::list(admin, &LedgerFilter { slower_than: Some(over), since, limit, ..LedgerFilter::default() }).await
}

/// Event ids stored more than once, which the ledger's primary key keeps from happening.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn duplicates(admin: &Admin) -> Result<String, AdminError> {
    let ids = admin.ledger.duplicate_ids().await?;
    let mut out: String = ids.iter().map(|id| format!("{id}\n")).collect();
    let _ = write!(out, "{} duplicate event id(s)", ids.len());
    Ok(out)
}

/// How many events are received, in flight or waiting to retry.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn backlog(admin: &Admin) -> Result<String, AdminError> {
    Ok(format!("{} event(s) received, in flight or waiting to retry", admin.ledger.backlog().await?))
}
