//! Operator reads across organizations and the ledger: the organizations with a live
//! subscription, page by page, and the consistency check between organizations and the events
//! the ledger says were applied to them (EC-14; the kinds are defined on
//! [`InconsistencyKind`]).

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{Inconsistency, InconsistencyKind, RepositoryError};
use serde::Deserialize;

use crate::db::{QueryExt, RowExt};
use crate::dialect::{Conn, DbRow, Dialect};
use crate::error::{repository_error, CodecError};
use crate::ledger::parse_event_status;
use crate::reads::org_of;

/// Up to `$2` organizations with a live subscription whose id sorts after `$1`, by id. The
/// first page starts after the empty string, which sorts before every organization id.
pub(crate) const PAID_ORGS: &str = "SELECT org_id FROM organizations \
    WHERE stripe_subscription_id IS NOT NULL AND status NOT IN ('none', 'canceled', 'incomplete_expired') AND org_id > $1 \
    ORDER BY org_id LIMIT $2";

/// Processed subscription events that might not show in their organization's state: snapshots
/// newer than the watermark (or without one), and deletions while the organization is not
/// ended. Whether the event is about the organization's current subscription is in the payload,
/// which is checked in Rust ([`event_object_id`]) rather than with each database's own JSON
/// functions; the conditions here keep the candidates to the few that can disagree.
const EVENT_CANDIDATES: &str = "SELECT o.org_id, e.event_id, e.event_type, e.status, e.payload, o.stripe_subscription_id \
    FROM organizations o JOIN webhook_events e ON e.org_id = o.org_id \
    WHERE e.status = 'processed' AND o.stripe_subscription_id IS NOT NULL AND ( \
        (e.event_type IN ('customer.subscription.created', 'customer.subscription.updated') \
         AND (o.watermark_created IS NULL OR e.stripe_created > o.watermark_created)) \
     OR (e.event_type = 'customer.subscription.deleted' AND o.status NOT IN ('canceled', 'incomplete_expired'))) \
    ORDER BY o.org_id, e.event_id";

/// Watermarks naming an event the ledger does not hold as processed, up to `$1`.
const WATERMARK_EVENTS: &str = "SELECT o.org_id, o.watermark_event_id AS event_id, e.status \
    FROM organizations o LEFT JOIN webhook_events e ON e.event_id = o.watermark_event_id \
    WHERE o.watermark_event_id IS NOT NULL AND (e.status IS NULL OR e.status <> 'processed') \
    ORDER BY o.org_id LIMIT $1";

/// The part of a Stripe event this check reads: the id of `data.object`.
#[derive(Deserialize)]
struct EventObject {
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: ObjectId,
}

#[derive(Deserialize)]
struct ObjectId {
    id: String,
}

/// The id of the object an event payload is about; `None` when the payload has none.
pub(crate) fn event_object_id(payload: &[u8]) -> Option<String> {
    serde_json::from_slice::<EventObject>(payload).ok().map(|e| e.data.object.id)
}

fn event_of<D: Dialect>(row: &DbRow<D>) -> Result<StripeEventId, RepositoryError> {
    let raw: String = row.value("event_id").map_err(repository_error)?;
    StripeEventId::parse(raw.clone()).map_err(|_| CodecError::bad("event_id", raw).into())
}

fn status_of<D: Dialect>(row: &DbRow<D>) -> Result<Option<billing_core::ports::EventStatus>, RepositoryError> {
    let raw: Option<String> = row.value("status").map_err(repository_error)?;
    Ok(raw.map(|s| parse_event_status(&s)).transpose()?)
}

/// The disagreement a candidate row shows, if its event is about the organization's current
/// subscription.
fn candidate<D: Dialect>(row: &DbRow<D>) -> Result<Option<Inconsistency>, RepositoryError> {
    let payload: Vec<u8> = row.value("payload").map_err(repository_error)?;
    let subscription: String = row.value("stripe_subscription_id").map_err(repository_error)?;
    if event_object_id(&payload).as_deref() != Some(subscription.as_str()) {
        return Ok(None);
    }
    let event_type: String = row.value("event_type").map_err(repository_error)?;
    let kind = if event_type == "customer.subscription.deleted" {
        InconsistencyKind::DeletionNotApplied
    } else {
        InconsistencyKind::SnapshotNotApplied
    };
    Ok(Some(Inconsistency { org_id: org_of::<D>(row)?, kind, event_id: event_of::<D>(row)?, event_status: status_of::<D>(row)? }))
}

/// Up to `limit` disagreements, by organization, kind and event id.
///
/// # Errors
/// The database error, or [`CodecError`] for a stored value no version would have written.
pub(crate) async fn consistency_in<D: Dialect>(conn: &mut Conn<D>, limit: u32) -> Result<Vec<Inconsistency>, RepositoryError> {
    let rows = D::query(EVENT_CANDIDATES).fetch_all_on(&mut *conn).await.map_err(repository_error)?;
    let mut found = Vec::new();
    for row in &rows {
        found.extend(candidate::<D>(row)?);
    }
    let rows = D::query(WATERMARK_EVENTS).arg(i64::from(limit)).fetch_all_on(&mut *conn).await.map_err(repository_error)?;
    for row in &rows {
        let (org_id, event_id) = (org_of::<D>(row)?, event_of::<D>(row)?);
        found.push(Inconsistency {
            org_id,
            kind: InconsistencyKind::WatermarkEventNotProcessed,
            event_id,
            event_status: status_of::<D>(row)?,
        });
    }
    found.sort_by(|a, b| (&a.org_id, a.kind.as_str(), &a.event_id).cmp(&(&b.org_id, b.kind.as_str(), &b.event_id)));
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(found)
}

/// Up to `limit` organizations with a live subscription after `after`, by id.
///
/// # Errors
/// The database error, or [`CodecError`] for an invalid stored id.
pub(crate) async fn paid_orgs_in<D: Dialect>(conn: &mut Conn<D>, after: Option<&OrgId>, limit: u32) -> Result<Vec<OrgId>, RepositoryError> {
    let query = D::query(PAID_ORGS).arg(after.map_or("", OrgId::as_str)).arg(i64::from(limit));
    let rows = query.fetch_all_on(&mut *conn).await.map_err(repository_error)?;
    rows.iter().map(org_of::<D>).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_object_id_is_read_from_data_object_and_anything_else_reads_as_none() {
        let event = br#"{"id":"evt_1","type":"customer.subscription.updated","data":{"object":{"id":"sub_1","status":"active"}}}"#;
        assert_eq!(event_object_id(event).as_deref(), Some("sub_1"));
        assert_eq!(event_object_id(br#"{"id":"evt_1","type":"customer.subscription.updated"}"#), None);
        assert_eq!(event_object_id(b"not json"), None);
    }
}
