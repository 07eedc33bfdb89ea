//! `GET /v1/events` (newest first, `type`/`types[]`/`created[…]` filters, cursor pagination) and
//! `GET /v1/events/{id}`.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::handle;
use crate::error::ApiError;
use crate::form::decode;
use crate::render;
use crate::server::Sim;
use crate::state::Event;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/events", web::get().to(list)).route("/v1/events/{id}", web::get().to(retrieve));
}

#[derive(Debug, Default, Deserialize)]
struct Range {
    gte: Option<i64>,
    gt: Option<i64>,
    lte: Option<i64>,
    lt: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(rename = "type")]
    one_type: Option<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    created: Range,
    limit: Option<i64>,
    starting_after: Option<String>,
}

/// `invoice.*` matches every `invoice.` type; anything else matches exactly.
fn type_matches(pattern: &str, event_type: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => event_type.starts_with(prefix),
        None => pattern == event_type,
    }
}

impl ListQuery {
    fn matches(&self, event: &Event) -> bool {
        let by_type = match (&self.one_type, self.types.as_slice()) {
            (Some(pattern), _) => type_matches(pattern, &event.event_type),
            (None, []) => true,
            (None, many) => many.iter().any(|pattern| type_matches(pattern, &event.event_type)),
        };
        let c = &self.created;
        by_type
            && c.gte.is_none_or(|t| event.created >= t)
            && c.gt.is_none_or(|t| event.created > t)
            && c.lte.is_none_or(|t| event.created <= t)
            && c.lt.is_none_or(|t| event.created < t)
    }

    fn validate(&self) -> Result<usize, ApiError> {
        if self.one_type.is_some() && !self.types.is_empty() {
            return Err(ApiError::invalid_param("types", "You may pass either type or types, but not both."));
        }
        if self.types.len() > 20 {
            return Err(ApiError::invalid_param("types", "You may pass at most 20 types."));
        }
        let limit = self.limit.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid_param("limit", "limit must be between 1 and 100."));
        }
        usize::try_from(limit).map_err(|_| ApiError::invalid_param("limit", "limit must be between 1 and 100."))
    }
}

async fn list(req: HttpRequest, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let query: ListQuery = decode(req.query_string().as_bytes())?;
        let limit = query.validate()?;
        let newest_first = state.events.iter().rev().filter(|event| query.matches(event));
        let after: Vec<&Event> = match &query.starting_after {
            Some(cursor) => {
                if !state.events.iter().any(|event| &event.id == cursor) {
                    return Err(ApiError::missing("event", "starting_after", cursor));
                }
                newest_first.skip_while(|event| &event.id != cursor).skip(1).collect()
            }
            None => newest_first.collect(),
        };
        let data = after
            .iter()
            .take(limit)
            .map(|event| render::event(event, &state.api_version, state.pending_webhooks(&event.id)))
            .collect::<Result<Vec<Value>, _>>()?;
        Ok(json!({"object": "list", "data": data, "has_more": after.len() > limit, "url": "/v1/events"}))
    })
}

async fn retrieve(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let event = state.events.iter().find(|event| event.id == *id).ok_or_else(|| ApiError::missing("event", "id", &id))?;
        render::event(event, &state.api_version, state.pending_webhooks(&event.id))
    })
}
