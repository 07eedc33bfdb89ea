//! Ledger events: listing, showing and replaying them.

use billing_core::ports::{LedgerEntry, LedgerFilter};
use billing_core::StripeEventId;
use serde::Serialize;

use crate::context::Admin;
use crate::error::AdminError;
use crate::output::{fields, or_dash, table, time, Report};
use crate::views::EventView;

#[derive(Serialize)]
struct EventsView {
    events: Vec<EventView>,
}

/// The table of `entries`, one row per event, then how many there are.
pub(crate) fn events_table(entries: &[LedgerEntry]) -> String {
    let rows = entries.iter().map(|e| {
        [
            e.received_at.to_rfc3339(),
            e.id.to_string(),
            e.event_type.clone(),
            e.status.as_str().to_owned(),
            e.attempts.to_string(),
            or_dash(e.org_id.as_ref()),
            or_dash(e.last_error.as_ref()),
        ]
    });
    table(["received", "id", "type", "status", "attempts", "org", "last error"], rows, &format!("{} event(s)", entries.len()))
}

/// The report of a list of events.
pub(crate) fn events_report(entries: &[LedgerEntry]) -> Result<Report, AdminError> {
    Report::new(&EventsView { events: entries.iter().map(EventView::from).collect() }, events_table(entries))
}

/// Events the filter selects, newest first.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn list(admin: &Admin, filter: &LedgerFilter) -> Result<Report, AdminError> {
    events_report(&admin.ledger.list(filter).await?)
}

/// Every field of one ledger entry.
///
/// # Errors
/// [`AdminError::EventNotFound`] for an id the ledger does not hold.
pub async fn show(admin: &Admin, id: &StripeEventId) -> Result<Report, AdminError> {
    let e = admin.ledger.get(id).await?.ok_or_else(|| AdminError::EventNotFound(id.clone()))?;
    let source = e.verified_by.map_or_else(|| "fetched from the API".to_owned(), |i| format!("webhook secret #{i}"));
    let text = fields([
        ("id".to_owned(), e.id.to_string()),
        ("type".to_owned(), e.event_type.clone()),
        ("created".to_owned(), e.created.to_rfc3339()),
        ("organization".to_owned(), or_dash(e.org_id.as_ref())),
        ("status".to_owned(), e.status.as_str().to_owned()),
        ("attempts".to_owned(), e.attempts.to_string()),
        ("last error".to_owned(), or_dash(e.last_error.as_ref())),
        ("source".to_owned(), source),
        ("received".to_owned(), e.received_at.to_rfc3339()),
        ("finished".to_owned(), time(e.processed_at)),
        ("next attempt".to_owned(), time(e.next_attempt_at)),
    ]);
    Report::new(&EventView::from(&e), text)
}

#[derive(Serialize)]
struct ReplayView<'a> {
    event: &'a str,
    status: &'static str,
    replayed_by: &'a str,
}

/// Moves a finished or dead event back to the queue; the ledger audits who did it, in the same
/// transaction.
///
/// # Errors
/// [`AdminError::EventNotFound`], or [`AdminError::NotReplayable`] while the event is queued
/// or in flight.
pub async fn replay(admin: &Admin, id: &StripeEventId, actor: &str) -> Result<Report, AdminError> {
    admin.ledger.replay(id, actor, admin.now()).await.map_err(AdminError::from_ledger)?;
    let view = ReplayView { event: id.as_str(), status: "received", replayed_by: actor };
    Report::new(&view, format!("event {id} is queued again; a worker of any running server applies it"))
}
