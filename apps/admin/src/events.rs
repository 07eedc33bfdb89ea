//! Ledger events: listing, showing, replaying, and recovering events whose delivery was lost.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use billing_core::ports::{LedgerEntry, LedgerFilter};
use billing_core::services::IntakeOutcome;
use billing_core::StripeEventId;
use billing_stripe::{EventListFilter, EventPage, DEFAULT_API_VERSION, HANDLED_EVENT_TYPES};
use chrono::{DateTime, Utc};

use crate::context::Admin;
use crate::error::AdminError;

/// One line per event, newest first.
///
/// # Errors
/// When the ledger cannot be read.
pub async fn list(admin: &Admin, filter: &LedgerFilter) -> Result<String, AdminError> {
    let entries = admin.ledger.list(filter).await?;
    let mut out = String::new();
    for e in &entries {
        let org = e.org_id.as_ref().map_or("-", |o| o.as_str());
        let _ = write!(
            out,
            "{}  {}  {}  {}  attempts={}  org={org}",
            e.received_at.to_rfc3339(),
            e.id,
            e.event_type,
            e.status.as_str(),
            e.attempts
        );
        if let Some(error) = &e.last_error {
            let _ = write!(out, "  error={error:?}");
        }
        out.push('\n');
    }
    let _ = write!(out, "{} event(s)", entries.len());
    Ok(out)
}

/// Every field of one ledger entry.
///
/// # Errors
/// [`AdminError::EventNotFound`] for an id the ledger does not hold.
pub async fn show(admin: &Admin, id: &StripeEventId) -> Result<String, AdminError> {
    let entry = admin.ledger.get(id).await?.ok_or_else(|| AdminError::EventNotFound(id.clone()))?;
    Ok(describe(&entry))
}

fn describe(e: &LedgerEntry) -> String {
    let time = |t: Option<DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
    let verified = e.verified_by.map_or_else(|| "fetched from the API".to_owned(), |i| format!("webhook secret #{i}"));
    [
        format!("id:              {}", e.id),
        format!("type:            {}", e.event_type),
        format!("created:         {}", e.created.to_rfc3339()),
        format!("organization:    {}", e.org_id.as_ref().map_or("-", |o| o.as_str())),
        format!("status:          {}", e.status.as_str()),
        format!("attempts:        {}", e.attempts),
        format!("last error:      {}", e.last_error.as_deref().unwrap_or("-")),
        format!("source:          {verified}"),
        format!("received:        {}", e.received_at.to_rfc3339()),
        format!("finished:        {}", time(e.processed_at)),
        format!("next attempt:    {}", time(e.next_attempt_at)),
    ]
    .join("\n")
}

/// Moves a finished or dead event back to the queue; the ledger audits who did it.
///
/// # Errors
/// [`AdminError::EventNotFound`], or [`AdminError::NotReplayable`] while the event is queued
/// or in flight.
pub async fn replay(admin: &Admin, id: &StripeEventId, actor: &str) -> Result<String, AdminError> {
    admin.ledger.replay(id, actor, admin.now()).await.map_err(AdminError::from_ledger)?;
    Ok(format!("event {id} is queued again; a worker of any running server applies it"))
}

/// What a recovery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub fetched: usize,
    pub recorded: usize,
    pub already_recorded: usize,
    /// The oldest event fetched, when the page limit stopped the run before the range's start.
    pub unfinished_before: Option<DateTime<Utc>>,
    /// Events rendered in another API version than the pinned one, by version. The API returns
    /// an event in the version it was created with (the account's default), not the webhook
    /// endpoint's, so an operator should know when the decoder reads another shape.
    pub other_versions: BTreeMap<String, usize>,
}

impl fmt::Display for RecoveryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fetched {} event(s) from Stripe: {} recorded, {} already in the ledger",
            self.fetched, self.recorded, self.already_recorded
        )?;
        if let Some(oldest) = self.unfinished_before {
            write!(f, "\nthe page limit was reached: older events remain; run again with --until {}", oldest.to_rfc3339())?;
        }
        for (version, count) in &self.other_versions {
            write!(
                f,
                "\nnote: {count} event(s) are rendered in API version {version}, not {DEFAULT_API_VERSION}; \
                 any the decoder cannot read go to the dead letter (events list --status dead)"
            )?;
        }
        Ok(())
    }
}

/// Lists the events Stripe created in `[since, until]` of the types the billing state depends
/// on and records each one the ledger lacks, page by page, so a failure part-way keeps what was
/// recorded and a second run records nothing twice. Workers apply them in Stripe's order.
///
/// # Errors
/// [`AdminError::StripeNotConfigured`], or the first Stripe or storage failure.
pub async fn recover(admin: &Admin, since: DateTime<Utc>, until: DateTime<Utc>, max_pages: usize) -> Result<RecoveryReport, AdminError> {
    let stripe = admin.stripe()?;
    let mut filter = EventListFilter {
        types: HANDLED_EVENT_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        created_gte: Some(since),
        created_lte: Some(until),
        limit: Some(100),
        ..EventListFilter::default()
    };
    let mut report = RecoveryReport::default();
    // At least one page, so a run never reports "0 fetched" without having asked.
    for _ in 0..max_pages.max(1) {
        let page = stripe.events_list(&filter).await?;
        let next = page.next_cursor().cloned();
        record_page(admin, page, &mut report).await?;
        match next {
            Some(cursor) => filter.starting_after = Some(cursor),
            None => {
                report.unfinished_before = None;
                return Ok(report);
            }
        }
    }
    Ok(report)
}

async fn record_page(admin: &Admin, page: EventPage, report: &mut RecoveryReport) -> Result<(), AdminError> {
    let intake = admin.intake();
    for event in page.events {
        report.fetched += 1;
        let created = event.envelope.created;
        let version = event.envelope.api_version.clone().unwrap_or_else(|| "unknown".to_owned());
        if version != DEFAULT_API_VERSION {
            *report.other_versions.entry(version).or_default() += 1;
        }
        report.unfinished_before = Some(report.unfinished_before.map_or(created, |oldest| oldest.min(created)));
        match intake.record(event.envelope.into_fetched(event.payload)).await? {
            IntakeOutcome::Recorded => report.recorded += 1,
            IntakeOutcome::Duplicate => report.already_recorded += 1,
            // The recovery intake accepts both modes, so nothing is ever refused for its mode.
            IntakeOutcome::IgnoredForMode { .. } => {}
        }
    }
    Ok(())
}
