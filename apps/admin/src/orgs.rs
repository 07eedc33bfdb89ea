//! Organizations: their billing state as operators need it, and reconciliation with Stripe.

use billing_core::{Actor, BillingState, OrgId};
use billing_wiring::view::OrganizationResponse;
use serde_json::{json, Value};

use crate::context::Admin;
use crate::error::AdminError;

/// The organization as the API shows it, plus its Stripe ids and state version.
///
/// # Errors
/// [`AdminError::OrgNotFound`] for an organization never referenced.
pub async fn show(admin: &Admin, org: &OrgId) -> Result<String, AdminError> {
    let state = admin.repo.load(org).await?.ok_or_else(|| AdminError::OrgNotFound(org.clone()))?;
    Ok(render(admin, &state))
}

/// Re-reads the subscription from Stripe and applies it, then shows the result. An organization
/// without a live subscription is shown unchanged: Stripe never revives an ended one.
///
/// # Errors
/// [`AdminError::OrgNotFound`], [`AdminError::StripeNotConfigured`], or the Stripe or storage
/// failure.
pub async fn reconcile(admin: &Admin, org: &OrgId) -> Result<String, AdminError> {
    let billing = admin.billing()?;
    if admin.repo.load(org).await?.is_none() {
        return Err(AdminError::OrgNotFound(org.clone()));
    }
    let state = billing.reconcile(org, Actor::System).await?;
    Ok(render(admin, &state))
}

/// How the organization's state differs from what its Stripe subscription says, one line per
/// field (`field: ours -> stripe`); nothing is written.
///
/// # Errors
/// [`AdminError::OrgNotFound`], [`AdminError::StripeNotConfigured`], or the Stripe or storage
/// failure.
pub async fn drift(admin: &Admin, org: &OrgId) -> Result<String, AdminError> {
    let billing = admin.billing()?;
    if admin.repo.load(org).await?.is_none() {
        return Err(AdminError::OrgNotFound(org.clone()));
    }
    let fields = billing.reconcile_preview(org).await?;
    let lines: String = fields.iter().map(|f| format!("{}: {} -> {}\n", f.field, f.ours, f.stripe)).collect();
    Ok(format!("{lines}{org}: {} field(s) differ from Stripe (dry run, nothing changed)", fields.len()))
}

/// Cancels the organization's subscription in Stripe immediately and applies the result: the
/// free plan's limits at once, the data kept, an audit row naming `actor`.
///
/// # Errors
/// [`AdminError::OrgNotFound`], [`AdminError::StripeNotConfigured`], a billing error when the
/// organization has no live subscription, or the Stripe or storage failure.
pub async fn cancel_now(admin: &Admin, org: &OrgId, actor: &str) -> Result<String, AdminError> {
    let billing = admin.billing()?;
    if admin.repo.load(org).await?.is_none() {
        return Err(AdminError::OrgNotFound(org.clone()));
    }
    let state = billing.admin_cancel_now(org, Actor::Admin(actor.to_owned())).await?;
    Ok(render(admin, &state))
}

fn render(admin: &Admin, state: &BillingState) -> String {
    let mut value = serde_json::to_value(OrganizationResponse::new(&admin.rules, state, admin.now())).unwrap_or(Value::Null);
    value["stripe"] = json!({
        "customer": state.customer_id().map(|c| c.as_str()),
        "subscription": state.subscription_id().map(|s| s.as_str()),
    });
    value["version"] = json!(state.version());
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
}
