//! The EC-14 check: organizations whose state disagrees with their last processed events.

use serde::Serialize;

use crate::context::Admin;
use crate::error::AdminError;
use crate::output::{or_dash, table, Report};
use crate::views::InconsistencyView;

#[derive(Serialize)]
struct Problems {
    problems: Vec<InconsistencyView>,
}

/// Up to `limit` disagreements, by organization; any is a finding (exit status 3). Each kind is
/// something the store's one-transaction commit rules out, so a finding means a hand edit or a
/// bug: reconcile the organization with Stripe (`orgs reconcile ORG`), then look for the cause.
///
/// # Errors
/// When the store cannot be read.
pub async fn check(admin: &Admin, limit: u32) -> Result<Report, AdminError> {
    let found = admin.repo.consistency_problems(limit).await?;
    let rows = found
        .iter()
        .map(|p| [p.org_id.to_string(), p.kind.as_str().to_owned(), p.event_id.to_string(), or_dash(p.event_status.map(|s| s.as_str()))]);
    let summary = format!("{} organization/event disagreement(s)", found.len());
    let text = table(["org", "kind", "event", "event status"], rows, &summary);
    Ok(Report::new(&Problems { problems: found.iter().map(InconsistencyView::from).collect() }, text)?.found(!found.is_empty()))
}
