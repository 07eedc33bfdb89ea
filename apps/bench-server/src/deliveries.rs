//! The deliveries one scenario sends: half `customer.subscription.updated`, half
//! `invoice.payment_failed`, spread over the organizations, every event id new, each about
//! 3.7 KB like a real Stripe payload.

use billing_testkit::stripe_events::{self, Ids, Snapshot, Templates};
use serde_json::Value;

/// A delivery's size: Stripe's subscription and invoice events are 3–5 KB compact.
pub const TARGET_BYTES: usize = 3_700;

/// `(plan, price)` the server is configured with; snapshots alternate between them, so each one
/// changes the plan.
pub const PRICES: [(&str, &str); 2] = [("team", "price_team_monthly"), ("enterprise", "price_business_monthly")];

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub events: usize,
    pub orgs: usize,
    /// Deliveries between an organization's snapshot and its failed invoice, more than are ever
    /// in flight, so the snapshot is recorded before the invoice that follows it is sent.
    pub lag: usize,
    /// Makes event ids unique across scenarios.
    pub tag: String,
    /// "Now" in Unix seconds; Stripe's `created` times end a minute before it.
    pub now: i64,
}

/// Which event goes at delivery position `j`: `(pair, is_snapshot)`. Pair `p` is organization
/// `p % orgs`'s snapshot and failed invoice; the invoice is sent `lag` or more positions later.
pub fn slot(j: usize, lag: usize) -> (usize, bool) {
    if j < lag {
        return (j, true);
    }
    let k = j - lag;
    if k % 2 == 0 {
        (k / 2, false)
    } else {
        (lag + k / 2, true)
    }
}

/// The deliveries' bodies in sending order.
///
/// # Errors
/// When an event cannot be serialised.
pub fn generate(t: &Templates, spec: &Spec) -> anyhow::Result<Vec<Vec<u8>>> {
    let orgs = spec.orgs.max(1);
    let rounds = i64::try_from(spec.events / orgs + 1)?;
    // Stripe's clock: each pair one round later than the organization's previous pair.
    let first = spec.now - 60 - 2 * rounds;
    (0..spec.events)
        .map(|j| {
            let (pair, is_snapshot) = slot(j, spec.lag);
            let (org, round) = (pair % orgs, i64::try_from(pair / orgs)?);
            let ids =
                Ids { org: format!("org_bench_{org}"), customer: format!("cus_bench_{org}"), subscription: format!("sub_bench_{org}") };
            let event = if is_snapshot {
                let snapshot = Snapshot {
                    price: PRICES[usize::from(round % 2 == 1)].1,
                    status: "active",
                    cancel_at_period_end: false,
                    // A period around now that no timer ends during the run.
                    period: (spec.now - 10 * 86_400, spec.now + 20 * 86_400),
                };
                let id = format!("evt_bench_{}_s{pair}", spec.tag);
                stripe_events::subscription_updated(&t.subscription_updated, &ids, &id, first + 2 * round, &snapshot)
            } else {
                let (id, invoice) = (format!("evt_bench_{}_f{pair}", spec.tag), format!("in_bench_{}_{pair}", spec.tag));
                stripe_events::invoice(&t.payment_failed, &ids, &id, &invoice, first + 2 * round + 1)
            };
            padded(event, j)
        })
        .collect()
}

/// The event serialised, with object metadata filling it up to [`TARGET_BYTES`]. The filler is
/// varied text, so Postgres compresses it no better than a real payload.
fn padded(mut event: Value, seed: usize) -> anyhow::Result<Vec<u8>> {
    let size = serde_json::to_vec(&event)?.len();
    // `,"padding":""` adds 14 bytes before any filler.
    let filler = TARGET_BYTES.saturating_sub(size + 14);
    if filler > 0 {
        event["data"]["object"]["metadata"]["padding"] = filler_text(filler, seed).into();
    }
    Ok(serde_json::to_vec(&event)?)
}

fn filler_text(len: usize, seed: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            // xorshift64: cheap, and varied enough that the text does not compress away.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(ALPHABET[(x % ALPHABET.len() as u64) as usize])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn spec(events: usize, orgs: usize, lag: usize) -> Spec {
        Spec { events, orgs, lag, tag: "t".into(), now: 1_800_000_000 }
    }

    #[test]
    fn every_pair_is_sent_snapshot_first_and_at_least_lag_apart() {
        let (lag, n) = (8, 200);
        let mut seen: HashMap<(usize, bool), usize> = HashMap::new();
        for j in 0..n {
            assert!(seen.insert(slot(j, lag), j).is_none(), "position {j} repeats {:?}", slot(j, lag));
        }
        for (&(pair, is_snapshot), &j) in &seen {
            if !is_snapshot {
                let s = seen[&(pair, true)];
                assert!(j >= s + lag, "pair {pair}: snapshot at {s}, invoice at {j}");
            }
        }
    }

    #[test]
    fn deliveries_are_realistic_in_size_and_half_of_each_kind_with_new_ids() {
        let t = Templates::load().unwrap();
        let bodies = generate(&t, &spec(2_000, 300, 64)).unwrap();
        let events: Vec<Value> = bodies.iter().map(|b| serde_json::from_slice(b).unwrap()).collect();
        for b in &bodies {
            assert!((3_600..=3_900).contains(&b.len()), "a delivery of {} bytes", b.len());
        }
        let failed = events.iter().filter(|e| e["type"] == "invoice.payment_failed").count();
        let updated = events.iter().filter(|e| e["type"] == "customer.subscription.updated").count();
        assert_eq!(failed + updated, 2_000);
        assert!(failed.abs_diff(updated) <= 64, "{updated} snapshots, {failed} failures");
        let ids: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 2_000);
    }

    #[test]
    fn an_organizations_events_are_created_in_the_order_they_are_sent() {
        let t = Templates::load().unwrap();
        let bodies = generate(&t, &spec(1_000, 100, 16)).unwrap();
        let mut last: HashMap<String, i64> = HashMap::new();
        for b in &bodies {
            let e: Value = serde_json::from_slice(b).unwrap();
            let o = &e["data"]["object"];
            let org = o["metadata"]["org_id"].as_str().or(o["parent"]["subscription_details"]["metadata"]["org_id"].as_str()).unwrap();
            let created = e["created"].as_i64().unwrap();
            let before = last.insert(org.to_owned(), created);
            assert!(before.is_none_or(|b| b < created), "{org}: {created} after {before:?}");
        }
    }
}
