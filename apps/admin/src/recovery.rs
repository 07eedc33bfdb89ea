//! Recovering events whose webhook deliveries were lost: fetched from Stripe's API and recorded
//! page by page, each page in one transaction with a note of who recovered each event.

use std::collections::BTreeMap;
use std::fmt;

use billing_core::services::IntakeOutcome;
use billing_stripe::{EventListFilter, EventPage, DEFAULT_API_VERSION, HANDLED_EVENT_TYPES};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::context::Admin;
use crate::error::AdminError;
use crate::output::Report;

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

#[derive(Serialize)]
struct RecoveryView<'a> {
    fetched: usize,
    recorded: usize,
    already_recorded: usize,
    /// Run again with `--until` this time to recover the rest.
    unfinished_before: Option<String>,
    other_versions: &'a BTreeMap<String, usize>,
}

impl RecoveryReport {
    /// The report as the command prints it.
    ///
    /// # Errors
    /// Never for this view; see [`Report::new`].
    pub fn report(&self) -> Result<Report, AdminError> {
        let view = RecoveryView {
            fetched: self.fetched,
            recorded: self.recorded,
            already_recorded: self.already_recorded,
            unfinished_before: self.unfinished_before.map(|t| t.to_rfc3339()),
            other_versions: &self.other_versions,
        };
        Report::new(&view, self.to_string())
    }
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
/// on and records each one the ledger lacks, page by page, noting `actor` as who recovered it;
/// a failure part-way keeps the pages recorded before it, and a second run records nothing
/// twice. Workers apply them in Stripe's order.
///
/// # Errors
/// [`AdminError::StripeNotConfigured`], or the first Stripe or storage failure.
pub async fn recover(
    admin: &Admin,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    max_pages: usize,
    actor: &str,
) -> Result<RecoveryReport, AdminError> {
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
        record_page(admin, page, actor, &mut report).await?;
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

async fn record_page(admin: &Admin, page: EventPage, actor: &str, report: &mut RecoveryReport) -> Result<(), AdminError> {
    let mut deliveries = Vec::with_capacity(page.events.len());
    for event in page.events {
        report.fetched += 1;
        let created = event.envelope.created;
        let version = event.envelope.api_version.clone().unwrap_or_else(|| "unknown".to_owned());
        if version != DEFAULT_API_VERSION {
            *report.other_versions.entry(version).or_default() += 1;
        }
        report.unfinished_before = Some(report.unfinished_before.map_or(created, |oldest| oldest.min(created)));
        deliveries.push(event.envelope.into_fetched(event.payload));
    }
    for outcome in admin.intake().record_recovered(deliveries, actor).await? {
        match outcome {
            IntakeOutcome::Recorded => report.recorded += 1,
            IntakeOutcome::Duplicate => report.already_recorded += 1,
            // The recovery intake accepts both modes, so nothing is ever refused for its mode.
            IntakeOutcome::IgnoredForMode { .. } => {}
        }
    }
    Ok(())
}
