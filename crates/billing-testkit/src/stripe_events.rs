//! Stripe events made from the repository's realistic fixtures (`fixtures/stripe/`), re-aimed at
//! generated organizations, for runs that deliver thousands of them.

use serde_json::Value;

/// The fixture events generated events are copied from, read once.
#[derive(Debug, Clone)]
pub struct Templates {
    pub subscription_updated: Value,
    pub payment_failed: Value,
    pub paid: Value,
}

impl Templates {
    /// Reads the repository's Stripe fixtures.
    ///
    /// # Errors
    /// When a fixture is missing or not JSON.
    pub fn load() -> anyhow::Result<Self> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stripe");
        let read = |name: &str| -> anyhow::Result<Value> {
            let path = dir.join(name);
            let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            Ok(serde_json::from_slice(&bytes)?)
        };
        Ok(Self {
            subscription_updated: read("customer.subscription.updated.plan_change.json")?,
            payment_failed: read("invoice.payment_failed.json")?,
            paid: read("invoice.paid.json")?,
        })
    }
}

/// The Stripe objects one organization owns.
#[derive(Debug, Clone)]
pub struct Ids {
    pub org: String,
    pub customer: String,
    pub subscription: String,
}

/// What a `customer.subscription.updated` snapshot says.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    pub price: &'a str,
    pub status: &'a str,
    pub cancel_at_period_end: bool,
    /// The item's current period, in Unix seconds.
    pub period: (i64, i64),
}

/// A `customer.subscription.updated` event from `template`, about `ids`, carrying `snapshot`.
/// The organization is named in the subscription's `metadata.org_id`, as Checkout sets it.
pub fn subscription_updated(template: &Value, ids: &Ids, event_id: &str, created: i64, snapshot: &Snapshot<'_>) -> Value {
    let mut e = template.clone();
    e["id"] = event_id.into();
    e["created"] = created.into();
    e["data"]["previous_attributes"] = serde_json::json!({});
    let o = &mut e["data"]["object"];
    o["id"] = ids.subscription.as_str().into();
    o["customer"] = ids.customer.as_str().into();
    o["metadata"] = serde_json::json!({"org_id": ids.org});
    o["status"] = snapshot.status.into();
    o["cancel_at_period_end"] = snapshot.cancel_at_period_end.into();
    o["schedule"] = Value::Null;
    let item = &mut o["items"]["data"][0];
    item["price"]["id"] = snapshot.price.into();
    item["current_period_start"] = snapshot.period.0.into();
    item["current_period_end"] = snapshot.period.1.into();
    e
}

/// An invoice event (paid or failed, as `template` is) about invoice `invoice_id` of the
/// subscription in `ids`, whose metadata names the organization.
pub fn invoice(template: &Value, ids: &Ids, event_id: &str, invoice_id: &str, created: i64) -> Value {
    let mut e = template.clone();
    e["id"] = event_id.into();
    e["created"] = created.into();
    let o = &mut e["data"]["object"];
    o["id"] = invoice_id.into();
    o["customer"] = ids.customer.as_str().into();
    o["parent"]["subscription_details"]["subscription"] = ids.subscription.as_str().into();
    o["parent"]["subscription_details"]["metadata"] = serde_json::json!({"org_id": ids.org});
    e
}
