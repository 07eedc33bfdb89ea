//! The generated event stream: per organization, subscription snapshots and invoice facts in
//! Stripe's time, and the state each organization must end in (its newest snapshot's).

use billing_testkit::stripe_events::{self, Ids, Templates};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

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
                state.event(&t.subscription_updated, &ids, &id, created, now)
            } else {
                let template = if rng.gen_bool(0.5) { &t.payment_failed } else { &t.paid };
                stripe_events::invoice(template, &ids, &id, &format!("in_chaos_{i}_{k}"), created)
            };
            all.push(Event { id, body: serde_json::to_vec(&event).unwrap_or_default() });
        }
        expected.extend(last);
    }
    (all, expected)
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

    fn event(&self, template: &serde_json::Value, ids: &Ids, id: &str, created: i64, now: i64) -> serde_json::Value {
        let snapshot = stripe_events::Snapshot {
            price: PRICES[self.price].0,
            status: self.status,
            cancel_at_period_end: self.cancel_at_period_end,
            // A period around now that no timer ends during the run.
            period: (now - 10 * 86_400, now + 20 * 86_400),
        };
        stripe_events::subscription_updated(template, ids, id, created, &snapshot)
    }
}
