//! `/v1/events`: fetching events again, to recover missed or failed deliveries.

use billing_core::StripeEventId;
use chrono::{DateTime, Utc};

use crate::client::StripeClient;
use crate::error::{BodyProblem, StripeError};
use crate::events::{envelope_of, EventEnvelope};
use crate::form::Form;
use crate::wire;

/// Filters of `GET /v1/events`. Stripe lists newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventListFilter {
    /// One type (a `*` wildcard is allowed, `invoice.*`) is sent as `type`, several as `types[]`.
    pub types: Vec<String>,
    pub created_gte: Option<DateTime<Utc>>,
    pub created_lte: Option<DateTime<Utc>>,
    /// `Some(false)` for events whose delivery failed.
    pub delivery_success: Option<bool>,
    /// Page size, clamped to Stripe's 1–100; Stripe's default (10) when `None`.
    pub limit: Option<u8>,
    /// The cursor: list the events after (older than) this one.
    pub starting_after: Option<StripeEventId>,
}

impl EventListFilter {
    fn to_query(&self) -> Form {
        let mut query = match self.types.as_slice() {
            [] => Form::new(),
            [one] => Form::new().text("type", one.as_str()),
            many => Form::new().array("types", many.iter().map(String::as_str)),
        };
        let mut created = Form::new();
        if let Some(gte) = self.created_gte {
            created = created.int("gte", gte.timestamp());
        }
        if let Some(lte) = self.created_lte {
            created = created.int("lte", lte.timestamp());
        }
        query = query.map("created", created);
        if let Some(success) = self.delivery_success {
            query = query.flag("delivery_success", success);
        }
        if let Some(limit) = self.limit {
            query = query.int("limit", i64::from(limit.clamp(1, 100)));
        }
        query.opt_text("starting_after", self.starting_after.as_ref().map(StripeEventId::as_str))
    }
}

/// An event fetched from the API: its envelope, and its JSON for [`crate::StripeEventDecoder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedEvent {
    pub envelope: EventEnvelope,
    /// The event re-serialised as JSON (API reads carry no signature to preserve).
    pub payload: Vec<u8>,
}

/// One page of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<FetchedEvent>,
    pub has_more: bool,
}

impl EventPage {
    /// The cursor for the next page, when there is one.
    pub fn next_cursor(&self) -> Option<&StripeEventId> {
        if self.has_more {
            self.events.last().map(|event| &event.envelope.id)
        } else {
            None
        }
    }
}

fn fetched(value: serde_json::Value) -> Result<FetchedEvent, StripeError> {
    let unexpected = |problem: BodyProblem| StripeError::UnexpectedBody { status: 200, request_id: None, problem };
    let payload = serde_json::to_vec(&value).map_err(|e| unexpected(BodyProblem::Json(e)))?;
    let event: wire::Event = serde_json::from_value(value).map_err(|e| unexpected(BodyProblem::Json(e)))?;
    let envelope = envelope_of(&event).map_err(StripeError::conversion)?;
    Ok(FetchedEvent { envelope, payload })
}

impl StripeClient {
    /// `GET /v1/events/{id}` (events up to 30 days old).
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn events_retrieve(&self, id: &StripeEventId) -> Result<FetchedEvent, StripeError> {
        let value: serde_json::Value = self.get(format!("/v1/events/{id}"), Form::new(), "event").await?;
        fetched(value)
    }

    /// `GET /v1/events` for one page.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn events_list(&self, filter: &EventListFilter) -> Result<EventPage, StripeError> {
        let list: wire::EventList = self.get("/v1/events".into(), filter.to_query(), "event").await?;
        let events = list.data.into_iter().map(fetched).collect::<Result<Vec<_>, _>>()?;
        Ok(EventPage { events, has_more: list.has_more })
    }

    /// Every page of `GET /v1/events`, following `starting_after`, at most `max_pages` pages.
    ///
    /// # Errors
    /// The [`StripeError`] of the first page that fails.
    pub async fn events_list_all(&self, filter: &EventListFilter, max_pages: usize) -> Result<Vec<FetchedEvent>, StripeError> {
        let mut filter = filter.clone();
        let mut events = Vec::new();
        for _ in 0..max_pages {
            let page = self.events_list(&filter).await?;
            let next = page.next_cursor().cloned();
            events.extend(page.events);
            match next {
                Some(cursor) => filter.starting_after = Some(cursor),
                None => break,
            }
        }
        Ok(events)
    }
}
