//! The runbook's monitoring queries as commands: past-due organizations, failed and slow
//! events, duplicate event ids and the backlog.

use billing_core::ports::{EventStatus, LedgerFilter};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::context::Admin;
use crate::error::AdminError;
use crate::events::{events_report, events_table};
use crate::output::{or_dash, table, time, Report};
use crate::views::{EventView, PastDueView};

#[derive(Serialize)]
struct PastDueList {
    organizations: Vec<PastDueView>,
}

/// Organizations in `past_due`, in the store's order, each with its grace deadline and the
/// amount of the payment that failed.
///
/// # Errors
/// When the store cannot be read.
pub async fn past_due(admin: &Admin, limit: u32) -> Result<Report, AdminError> {
    let mut states = Vec::new();
    for org in admin.repo.past_due(limit).await? {
        states.extend(admin.repo.load(&org).await?);
    }
    let rows = states.iter().map(|s| {
        let failed = s.last_payment_attempt();
        [s.org_id().to_string(), s.plan().to_string(), time(s.grace_until()), or_dash(failed.map(|p| p.amount)), time(failed.map(|p| p.at))]
    });
    let text =
        table(["org", "plan", "grace until", "failed amount", "failed at"], rows, &format!("{} organization(s) past due", states.len()));
    Report::new(&PastDueList { organizations: states.iter().map(PastDueView::from).collect() }, text)
}

#[derive(Serialize)]
struct FailedList {
    failed: Vec<EventView>,
    dead: Vec<EventView>,
}

/// Events that failed and wait for a retry, then those given up on, newest first.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn failed(admin: &Admin, since: Option<DateTime<Utc>>, limit: u32) -> Result<Report, AdminError> {
    let of = |status| LedgerFilter { status: Some(status), since, limit, ..LedgerFilter::default() };
    let failed = admin.ledger.list(&of(EventStatus::Failed)).await?;
    let dead = admin.ledger.list(&of(EventStatus::Dead)).await?;
    let text = format!("failed (waiting for a retry):\n{}\n\ndead (given up):\n{}", events_table(&failed), events_table(&dead));
    let view = FailedList { failed: failed.iter().map(EventView::from).collect(), dead: dead.iter().map(EventView::from).collect() };
    Report::new(&view, text)
}

/// Events whose processing took longer than `over` after their receipt, newest first.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn slow(admin: &Admin, over: Duration, since: Option<DateTime<Utc>>, limit: u32) -> Result<Report, AdminError> {
    events_report(&admin.ledger.list(&LedgerFilter { slower_than: Some(over), since, limit, ..LedgerFilter::default() }).await?)
}

#[derive(Serialize)]
struct Duplicates {
    duplicates: Vec<String>,
}

/// Event ids stored more than once, which the ledger's primary key keeps from happening; any
/// found is a finding (exit status 3).
///
/// # Errors
/// When the ledger cannot be read.
pub async fn duplicates(admin: &Admin) -> Result<Report, AdminError> {
    let ids = admin.ledger.duplicate_ids().await?;
    let text = table(["event id"], ids.iter().map(|id| [id.to_string()]), &format!("{} duplicate event id(s)", ids.len()));
    Ok(Report::new(&Duplicates { duplicates: ids.iter().map(ToString::to_string).collect() }, text)?.found(!ids.is_empty()))
}

#[derive(Serialize)]
struct Backlog {
    backlog: u64,
}

/// How many events are received, in flight or waiting to retry.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn backlog(admin: &Admin) -> Result<Report, AdminError> {
    let backlog = admin.ledger.backlog().await?;
    Report::new(&Backlog { backlog }, format!("{backlog} event(s) received, in flight or waiting to retry"))
}
