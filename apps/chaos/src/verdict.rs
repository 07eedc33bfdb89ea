//! The verdict, read from the database once the ledger is drained: nothing lost, nothing
//! applied twice, every organization in the state of its newest snapshot.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sqlx::{PgPool, Row};

use crate::stream::{Event, Expected};

/// Ledger statuses of events that are finished for good.
const FINISHED: [&str; 3] = ["processed", "ignored", "stale"];

/// Counts of what went wrong, with a few examples of each.
#[derive(Debug, Default)]
pub struct Verdict {
    pub lost: usize,
    pub double_applied: usize,
    pub mismatched: usize,
    pub examples: Vec<String>,
}

impl Verdict {
    pub fn clean(&self) -> bool {
        self.lost == 0 && self.double_applied == 0 && self.mismatched == 0
    }
}

/// Waits until no event is waiting or in flight; returns how many still are at `limit`.
///
/// # Errors
/// When the database cannot be read.
pub async fn drain(pool: &PgPool, limit: Duration) -> anyhow::Result<i64> {
    let started = Instant::now();
    loop {
        let open: i64 = sqlx::query("SELECT count(*) FROM webhook_events WHERE status IN ('received', 'processing', 'failed')")
            .fetch_one(pool)
            .await?
            .try_get(0)?;
        if open == 0 || started.elapsed() >= limit {
            return Ok(open);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Compares the database with what the stream implies.
///
/// # Errors
/// When the database cannot be read.
pub async fn check(pool: &PgPool, events: &[Event], expected: &[Expected]) -> anyhow::Result<Verdict> {
    let mut v = Verdict::default();
    let rows = sqlx::query("SELECT event_id, status FROM webhook_events").fetch_all(pool).await?;
    let ledger: HashMap<String, String> = rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, sqlx::Error>>()?;
    for e in events {
        match ledger.get(&e.id) {
            Some(status) if FINISHED.contains(&status.as_str()) => {}
            other => {
                v.lost += 1;
                note(&mut v.examples, format!("lost {}: ledger says {other:?}", e.id));
            }
        }
    }
    let twice = sqlx::query(
        "SELECT cause_ref, count(*) FROM billing_transitions WHERE cause_kind = 'stripe_event' GROUP BY cause_ref HAVING count(*) > 1",
    )
    .fetch_all(pool)
    .await?;
    v.double_applied = twice.len();
    for r in &twice {
        note(&mut v.examples, format!("applied twice: {}", r.try_get::<String, _>(0)?));
    }
    compare_states(pool, expected, &mut v).await?;
    Ok(v)
}

async fn compare_states(pool: &PgPool, expected: &[Expected], v: &mut Verdict) -> anyhow::Result<()> {
    let rows = sqlx::query("SELECT org_id, plan, status, cancel_at_period_end FROM organizations").fetch_all(pool).await?;
    let mut actual = HashMap::new();
    for r in rows {
        let org: String = r.try_get(0)?;
        let state = Expected { org: org.clone(), plan: r.try_get(1)?, status: r.try_get(2)?, cancel_at_period_end: r.try_get(3)? };
        actual.insert(org, state);
    }
    for want in expected {
        if actual.get(&want.org) != Some(want) {
            v.mismatched += 1;
            note(&mut v.examples, format!("mismatch {}: want {want:?}, have {:?}", want.org, actual.get(&want.org)));
        }
    }
    Ok(())
}

fn note(examples: &mut Vec<String>, line: String) {
    if examples.len() < 20 {
        examples.push(line);
    }
}
