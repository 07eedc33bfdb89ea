//! The generated event stream: per organization, subscription snapshots and invoice facts in
//! Stripe's time, and the state each organization must end in (its newest snapshot's).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::Value;

/// The prices the server is configured with, and the plans they sell.
pub const PRICES: [(&str, &str); 3] =
    [("price_chaos_solo", "solo"), ("price_chaos_team", "team"), ("price_chaos_enterprise", "enterprise")];

/// Statuses a live subscription moves between; all keep the paid plan (past due within grace).
const STATUSES: [&str; 3] = ["active", "trialing", "past_due"];

/// One event as Stripe would send it.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub body: Vec<u8>,
}

/// What an organization's row must say once every event is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub org: String,
    pub plan: String,
    pub status: String,
    pub cancel_at_period_end: bool,
}

/// The fixture event templates, read once.
#[derive(Debug)]
pub struct Templates {
    snapshot: Value,
    failed: Value,
    paid: Value,
}

impl Templates {
    /// Reads the repository's Stripe fixtures.
    ///
    /// # Errors
    /// When a fixture is missing or not JSON.
    pub fn load() -> anyhow::Result<Self> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stripe");
        let read = |name: &str| -> anyhow::Result<Value> { Ok(serde_json::from_slice(&std::fs::read(dir.join(name))?)?) };
        Ok(Self {
            snapshot: read("customer.subscription.updated.plan_change.json")?,
            failed: read("invoice.payment_failed.json")?,
            paid: read("invoice.paid.json")?,
        })
    }
}

/// `events` events spread over `orgs` organizations, every organization's last one a snapshot.
pub fn generate(t: &Templates, orgs: usize, events: usize, rng: &mut StdRng) -> (Vec<Event>, Vec<Expected>) {
    let now = chrono::Utc::now().timestamp();
    let per_org = (events / orgs.max(1)).max(1);
    let mut all = Vec::with_capacity(events);
    let mut expected = Vec::with_capacity(orgs);
    for i in 0..orgs {
        let count = if i + 1 == orgs { events.saturating_sub(per_org * (orgs - 1)).max(1) } else { per_org };
        let ids = Ids { org: format!("org_chaos_{i}"), customer: format!("cus_chaos_{i}"), subscription: format!("sub_chaos_{i}") };
        // Stripe's clock: two seconds apart, the stream ending a minute ago.
        let start = now - 60 - 2 * i64::try_from(count).unwrap_or(i64::MAX);
        let mut last = None;
        for k in 0..count {
            let created = start + 2 * i64::try_from(k).unwrap_or(0);
            let snapshot = k + 1 == count || rng.gen_bool(0.7);
            let id = format!("evt_chaos_{i}_{k}");
            let event = if snapshot {
                let state = Snapshot::random(rng);
                last = Some(state.expected(&ids.org));
                state.event(&t.snapshot, &ids, &id, created, now)
            } else {
                let template = if rng.gen_bool(0.5) { &t.failed } else { &t.paid };
                invoice(template, &ids, &id, &format!("in_chaos_{i}_{k}"), created)
            };
            all.push(Event { id, body: serde_json::to_vec(&event).unwrap_or_default() });
        }
        expected.extend(last);
    }
    (all, expected)
}

struct Ids {
    org: String,
    customer: String,
    subscription: String,
}

struct Snapshot {
    price: usize,
    status: &'static str,
    cancel_at_period_end: bool,
}

impl Snapshot {
    fn random(rng: &mut StdRng) -> Self {
        let status = STATUSES.choose(rng).copied().unwrap_or("active");
        Self { price: rng.gen_range(0..PRICES.len()), status, cancel_at_period_end: rng.gen_bool(0.2) }
    }

    fn expected(&self, org: &str) -> Expected {
        Expected {
            org: org.to_owned(),
            plan: PRICES[self.price].1.to_owned(),
            status: self.status.to_owned(),
            cancel_at_period_end: self.cancel_at_period_end,
        }
    }

    fn event(&self, template: &Value, ids: &Ids, id: &str, created: i64, now: i64) -> Value {
        let mut e = template.clone();
        e["id"] = id.into();
        e["created"] = created.into();
        e["data"]["previous_attributes"] = serde_json::json!({});
        let o = &mut e["data"]["object"];
        o["id"] = ids.subscription.as_str().into();
        o["customer"] = ids.customer.as_str().into();
        o["metadata"] = serde_json::json!({"org_id": ids.org});
        o["status"] = self.status.into();
        o["cancel_at_period_end"] = self.cancel_at_period_end.into();
        o["schedule"] = Value::Null;
        let item = &mut o["items"]["data"][0];
        item["price"]["id"] = PRICES[self.price].0.into();
        // A period around now that no timer ends during the run.
        item["current_period_start"] = (now - 10 * 86_400).into();
        item["current_period_end"] = (now + 20 * 86_400).into();
        e
    }
}

fn invoice(template: &Value, ids: &Ids, id: &str, invoice_id: &str, created: i64) -> Value {
    let mut e = template.clone();
    e["id"] = id.into();
    e["created"] = created.into();
    let o = &mut e["data"]["object"];
    o["id"] = invoice_id.into();
    o["customer"] = ids.customer.as_str().into();
    o["parent"]["subscription_details"]["subscription"] = ids.subscription.as_str().into();
    o["parent"]["subscription_details"]["metadata"] = serde_json::json!({"org_id": ids.org});
    e
}
