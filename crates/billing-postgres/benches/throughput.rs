//! Throughput of the Postgres store: events recorded per second (insert-once) and events
//! applied per second end to end (claim → decode → decide → commit) with 1, 4 and 16 workers.
//!
//! Run with `cargo bench -p billing-postgres --bench throughput`. It uses `DATABASE_URL` when
//! set, otherwise the throwaway test cluster. `BENCH_ORGS` (10 000), `BENCH_RECORDERS` (16)
//! and `BENCH_PHASE_SECS` (20, the longest an apply phase runs) tune it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use anyhow::{bail, Context};
use billing_core::ports::{
    BillingRepository, Commit, EventDisposition, EventDone, NewEvent, RecordOutcome, RepositoryError, WebhookLedger,
};
use billing_core::{decide, next_timer_at, Effect, Input, Outcome, Rules, StripeEvent, SubscriptionStatus};
use billing_postgres::PostgresStore;
use billing_testkit::fixtures::{at, org, payment_failed_event, plan, rules, subscription_event};
use chrono::{Duration, Utc};
use sqlx::postgres::PgPoolOptions;

struct Config {
    orgs: usize,
    recorders: usize,
    phase: StdDuration,
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Two events per organization, interleaved in Stripe order so that an organization's second
/// event is due while its first is in flight, which exercises per-organization exclusivity.
fn events(orgs: usize) -> Vec<NewEvent> {
    let mut out = Vec::with_capacity(orgs * 2);
    for n in 0..orgs {
        let base = i64::try_from(n).unwrap_or(i64::MAX) * 2;
        for (kind, event_type, offset) in [("created", "customer.subscription.created", 0), ("failed", "invoice.payment_failed", 1)] {
            let id = format!("evt_{kind}_{n}");
            let payload = serde_json::json!({ "id": id, "type": event_type, "created": base + offset, "n": n });
            out.push(NewEvent {
                id: billing_core::StripeEventId::parse(id).unwrap_or_else(|e| panic!("{e}")),
                event_type: event_type.to_owned(),
                created: at(base + offset),
                api_version: Some("2024-06-20".to_owned()),
                livemode: false,
                org_id: Some(org(n)),
                payload: payload.to_string().into_bytes(),
                verified_by: Some(0),
                received_at: Utc::now(),
                set_aside: None,
            });
        }
    }
    out
}

/// Rebuilds the Stripe event from the compact synthetic payload, as a decoder would.
fn decode(payload: &[u8]) -> anyhow::Result<StripeEvent> {
    let json: serde_json::Value = serde_json::from_slice(payload)?;
    let n = usize::try_from(json["n"].as_u64().context("no n")?)?;
    let created = json["created"].as_i64().context("no created")?;
    let id = json["id"].as_str().context("no id")?.trim_start_matches("evt_");
    match json["type"].as_str() {
        Some("customer.subscription.created") => Ok(subscription_event(id, n, SubscriptionStatus::Active, "price_team", created)),
        Some("invoice.payment_failed") => Ok(payment_failed_event(id, n, created)),
        other => bail!("unexpected type {other:?}"),
    }
}

async fn record_all(store: &Arc<PostgresStore>, events: Arc<Vec<NewEvent>>, recorders: usize) -> anyhow::Result<f64> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..recorders)
        .map(|_| {
            let (store, events, next) = (Arc::clone(store), Arc::clone(&events), Arc::clone(&next));
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(event) = events.get(i) else { return Ok::<_, anyhow::Error>(()) };
                    if store.record(event).await? != RecordOutcome::Recorded {
                        bail!("{} was already recorded", event.id);
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(events.len() as f64 / started.elapsed().as_secs_f64())
}

/// One event end to end; `Ok(false)` when a version conflict sent it back to the queue.
async fn apply(store: &PostgresStore, rules: &Rules, event: &billing_core::ports::ClaimedEvent) -> anyhow::Result<bool> {
    let stripe_event = decode(&event.payload)?;
    let org_id = event.org_id.clone().context("every benchmark event names its organization")?;
    let state = store.load_or_create(&org_id, &plan("free")).await?;
    // Decide at the event's own time: the synthetic events are dated in Stripe's past, and a
    // wall-clock "now" would put every grace period in the past too.
    let decision = decide(rules, &state, Input::Stripe(stripe_event), event.created)?;
    let disposition = if decision.outcome == Outcome::Stale { EventDisposition::Stale } else { EventDisposition::Processed };
    let (mut audit, mut notices) = (Vec::new(), Vec::new());
    for effect in &decision.effects {
        match effect {
            Effect::Audit(a) => audit.push(a.clone()),
            Effect::Notify(n) => notices.push(n.clone()),
            Effect::Stripe(_) | Effect::RefetchSubscription(_) => {}
        }
    }
    let done = EventDone { event_id: event.id.clone(), holder: event.holder.clone(), disposition };
    let next_timer = next_timer_at(rules, &decision.state);
    let commit = Commit { state: decision.state, audit, notices, event: Some(done), next_timer_at: next_timer, at: Utc::now() };
    match store.commit(commit).await {
        Ok(_) => Ok(true),
        Err(RepositoryError::VersionConflict { .. }) => {
            store.release(&event.id, &event.holder).await?;
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

async fn worker(
    store: Arc<PostgresStore>,
    holder: String,
    applied: Arc<AtomicUsize>,
    total: usize,
    deadline: Instant,
) -> anyhow::Result<()> {
    let rules = rules();
    while applied.load(Ordering::Relaxed) < total && Instant::now() < deadline {
        let claimed = store.claim_due(&holder, Utc::now(), Duration::seconds(30), 8).await?;
        if claimed.is_empty() {
            tokio::time::sleep(StdDuration::from_millis(2)).await;
            continue;
        }
        for event in &claimed {
            if apply(&store, &rules, event).await? {
                applied.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}

async fn apply_all(store: &Arc<PostgresStore>, workers: usize, total: usize, phase: StdDuration) -> anyhow::Result<(usize, f64)> {
    let applied = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + phase;
    let tasks: Vec<_> = (0..workers)
        .map(|w| tokio::spawn(worker(Arc::clone(store), format!("bench-worker-{w}"), Arc::clone(&applied), total, deadline)))
        .collect();
    for task in tasks {
        task.await??;
    }
    let count = applied.load(Ordering::Relaxed);
    Ok((count, count as f64 / started.elapsed().as_secs_f64()))
}

async fn phase(config: &Config, workers: usize) -> anyhow::Result<()> {
    let url = billing_testkit::try_fresh_postgres_database().await?;
    let options = PgPoolOptions::new().max_connections(u32::try_from(workers.max(config.recorders) + 2)?);
    let store = Arc::new(PostgresStore::connect_with(options, &url).await?);
    let events = Arc::new(events(config.orgs));
    let recorded = record_all(&store, Arc::clone(&events), config.recorders).await?;
    let (applied, rate) = apply_all(&store, workers, events.len(), config.phase).await?;
    let past_due = store.past_due(u32::MAX).await?.len();
    println!(
        "workers {workers:>2} | recorded {:>6} events at {recorded:>8.0}/s ({} recorders) | applied {applied:>6} at {rate:>7.0}/s | past_due orgs {past_due}",
        events.len(),
        config.recorders
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and a test run should not spend minutes measuring.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("throughput: run it with `cargo bench -p billing-postgres --bench throughput`");
        return Ok(());
    }
    let config = Config {
        orgs: env_number("BENCH_ORGS", 10_000),
        recorders: env_number("BENCH_RECORDERS", 16),
        phase: StdDuration::from_secs(u64::try_from(env_number("BENCH_PHASE_SECS", 20))?),
    };
    let server = if std::env::var_os("DATABASE_URL").is_some() { "DATABASE_URL" } else { "throwaway test cluster" };
    println!("billing-postgres throughput on the {server}: {} organizations, {} events per run", config.orgs, config.orgs * 2);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        for workers in [1, 4, 16] {
            phase(&config, workers).await?;
        }
        Ok(())
    })
}
