//! Ledger rows: their columns, status names, list and replay rules, error truncation and decoding.

use billing_core::ids::{OrgId, StripeEventId};
use std::collections::HashSet;

use billing_core::ports::{EventStatus, LedgerEntry, NewEvent, RecordOutcome};
use chrono::{DateTime, Utc};

use crate::error::CodecError;

/// Columns of a ledger entry, for SELECT and RETURNING lists; both stores read them into a
/// [`LedgerRow`].
pub const LEDGER_COLUMNS: &str =
    "event_id, event_type, stripe_created, org_id, status, attempts, last_error, verified_by, received_at, processed_at, next_attempt_at";

/// Rows returned by `WebhookLedger::list` when the filter sets no limit.
pub const DEFAULT_LIST_LIMIT: u32 = 100;

/// Statuses from which an operator may replay an event: finished or given up, never queued or in
/// flight, so a replay cannot race a worker.
pub const REPLAYABLE: [EventStatus; 4] = [EventStatus::Processed, EventStatus::Ignored, EventStatus::Stale, EventStatus::Dead];

/// The most of an error message kept in `last_error`; longer messages are cut at a character
/// boundary so a runaway error cannot bloat the ledger.
pub const MAX_ERROR_BYTES: usize = 1024;

/// How a new event is stored: due, or (set aside) already finished as ignored with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedAs<'a> {
    pub status: &'static str,
    pub last_error: Option<&'a str>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl<'a> RecordedAs<'a> {
    /// The status columns of `event` as [`crate::sql::RECORD_EVENT`] inserts them.
    pub fn of(event: &'a NewEvent) -> Self {
        match &event.set_aside {
            None => Self { status: EventStatus::Received.as_str(), last_error: None, processed_at: None },
            Some(reason) => Self {
                status: EventStatus::Ignored.as_str(),
                last_error: Some(truncate_error(reason)),
                processed_at: Some(event.received_at),
            },
        }
    }
}

/// The events of `events` to insert: the first of each id, sorted by id. A later copy of an id
/// in the same batch is a duplicate whatever the database says.
///
/// The order is what keeps concurrent batches from deadlocking: an insert that meets another
/// transaction's uncommitted row of the same id waits for it, so two batches holding ids the
/// other wants, taken in opposite orders, would wait for each other. Taken in one global order,
/// one of them always goes first.
pub fn first_of_each_id(events: &[NewEvent]) -> Vec<&NewEvent> {
    let mut seen = HashSet::new();
    let mut unique: Vec<&NewEvent> = events.iter().filter(|e| seen.insert(e.id.as_str())).collect();
    unique.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    unique
}

/// What recording each of `events` did, in order, given the ids the insert stored: the first
/// event of a stored id was recorded, everything else was a duplicate.
pub fn record_outcomes(events: &[NewEvent], mut stored: HashSet<String>) -> Vec<RecordOutcome> {
    events.iter().map(|e| if stored.remove(e.id.as_str()) { RecordOutcome::Recorded } else { RecordOutcome::Duplicate }).collect()
}

/// `error` cut to at most [`MAX_ERROR_BYTES`] bytes without splitting a character.
pub fn truncate_error(error: &str) -> &str {
    if error.len() <= MAX_ERROR_BYTES {
        return error;
    }
    let mut end = MAX_ERROR_BYTES;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    &error[..end]
}

/// The status stored as `raw`.
///
/// # Errors
/// [`CodecError`] for a status name this version does not know.
pub fn parse_event_status(raw: &str) -> Result<EventStatus, CodecError> {
    EventStatus::parse(raw).ok_or_else(|| CodecError::bad("status", raw))
}

/// A `webhook_events` row as read by either store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub event_id: String,
    pub event_type: String,
    pub created: DateTime<Utc>,
    pub org_id: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub verified_by: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// The ledger entry the row describes.
///
/// # Errors
/// [`CodecError`] for a value the ledger would never have written.
pub fn decode_ledger_entry(row: LedgerRow) -> Result<LedgerEntry, CodecError> {
    Ok(LedgerEntry {
        id: StripeEventId::parse(row.event_id.clone()).map_err(|_| CodecError::bad("event_id", &row.event_id))?,
        event_type: row.event_type,
        created: row.created,
        org_id: row.org_id.map(|o| OrgId::parse(o.clone()).map_err(|_| CodecError::bad("org_id", o))).transpose()?,
        status: parse_event_status(&row.status)?,
        attempts: u32::try_from(row.attempts).map_err(|_| CodecError::bad("attempts", row.attempts))?,
        last_error: row.last_error,
        verified_by: row.verified_by.map(|v| u32::try_from(v).map_err(|_| CodecError::bad("verified_by", v))).transpose()?,
        received_at: row.received_at,
        processed_at: row.processed_at,
        next_attempt_at: row.next_attempt_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_errors_are_cut_at_a_character_boundary() {
        assert_eq!(truncate_error("short"), "short");
        let long = "é".repeat(600);
        let cut = truncate_error(&long);
        assert!(cut.len() <= MAX_ERROR_BYTES);
        assert_eq!(cut.len(), 1024);
        let odd = format!("x{}", "é".repeat(600));
        assert_eq!(truncate_error(&odd).len(), 1023);
    }
}
