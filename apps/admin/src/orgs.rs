//! Organizations: their billing state as operators need it, and immediate cancellation.

use billing_core::{Actor, BillingState, OrgId};
use billing_wiring::view::OrganizationResponse;
use serde_json::{json, Value};

use crate::context::Admin;
use crate::error::AdminError;
use crate::output::{fields, Report};

/// The organization as the API shows it, plus its Stripe ids and state version.
///
/// # Errors
/// [`AdminError::OrgNotFound`] for an organization never referenced.
pub async fn show(admin: &Admin, org: &OrgId) -> Result<Report, AdminError> {
    let state = known(admin, org).await?;
    state_report(admin, &state, String::new())
}

/// Cancels the organization's subscription in Stripe immediately and applies the result: the
/// free plan's limits at once, the data kept, an audit row naming `actor`.
///
/// # Errors
/// [`AdminError::OrgNotFound`], [`AdminError::StripeNotConfigured`], a billing error when the
/// organization has no live subscription, or the Stripe or storage failure.
pub async fn cancel_now(admin: &Admin, org: &OrgId, actor: &str) -> Result<Report, AdminError> {
    let billing = admin.billing()?;
    known(admin, org).await?;
    let state = billing.admin_cancel_now(org, Actor::Admin(actor.to_owned())).await?;
    state_report(admin, &state, format!("{org}: canceled in Stripe now by {actor}"))
}

/// The stored state of an organization that exists.
///
/// # Errors
/// [`AdminError::OrgNotFound`] for an organization never referenced.
pub(crate) async fn known(admin: &Admin, org: &OrgId) -> Result<BillingState, AdminError> {
    admin.repo.load(org).await?.ok_or_else(|| AdminError::OrgNotFound(org.clone()))
}

/// The organization as the API shows it, with its Stripe ids and state version.
pub(crate) fn state_json(admin: &Admin, state: &BillingState) -> Value {
    let mut value = serde_json::to_value(OrganizationResponse::new(&admin.rules, state, admin.now())).unwrap_or(Value::Null);
    value["stripe"] = json!({
        "customer": state.customer_id().map(|c| c.as_str()),
        "subscription": state.subscription_id().map(|s| s.as_str()),
    });
    value["version"] = json!(state.version());
    value
}

/// One row per leaf of `value`, named by its path (`organization.billing.status`).
fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&name, inner, rows);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, inner) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), inner, rows);
            }
        }
        Value::Null => rows.push((prefix.to_owned(), "-".to_owned())),
        Value::String(text) => rows.push((prefix.to_owned(), text.clone())),
        other => rows.push((prefix.to_owned(), other.to_string())),
    }
}

/// The organization's state as a table of fields (after `headline`, when there is one), and as
/// the API's JSON.
pub(crate) fn state_report(admin: &Admin, state: &BillingState, headline: String) -> Result<Report, AdminError> {
    let value = state_json(admin, state);
    let mut rows = Vec::new();
    flatten("", &value, &mut rows);
    let table = fields(rows);
    let text = if headline.is_empty() { table } else { format!("{table}\n{headline}") };
    Report::new(&value, text)
}
