//! The retry schedule for webhook events that failed to apply, and how long each kind of failure
//! is retried.

use chrono::Duration;

/// How long the cause of a failure may last, which decides how long an event is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Persistence {
    /// An outage of something the event needs (the database; Stripe unavailable, timing out or
    /// rate-limiting): it ends by itself, so the event is retried until it is as old as the
    /// policy's horizon, however many attempts that takes.
    Transient,
    /// Something about the event or this version's handling of it (a transition that does not
    /// apply, a panic, an error nobody classified): retrying rarely helps, so the attempts cap
    /// bounds it.
    Persistent,
}

/// Exponential backoff: `base * 2^(attempt-1)`, capped, with up to +25 % jitter.
///
/// A persistent failure gives up after `max_attempts` attempts. A transient one gives up only
/// once the event has also been waiting longer than `horizon`, so an outage of Stripe or of the
/// database shorter than that never dead-letters an event, and an event an operator replays long
/// after its receipt still gets `max_attempts` attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
    /// How long after its receipt an event failing for transient causes is still retried.
    pub horizon: Duration,
    /// How long after its receipt an event that names no organization, and whose customer no
    /// organization owns, is retried before it is set aside as another product's.
    pub unowned_window: Duration,
    /// How many times an event's lease may run out before a worker finished it (the process
    /// died or stalled while applying it) before the event is dead-lettered. A panic is caught
    /// and counted as a failed attempt; an abort, a stack overflow or the kernel's OOM killer
    /// is only seen this way.
    pub max_lease_expiries: u32,
}

/// Stripe retries an unacknowledged webhook for up to three days; an outage that Stripe itself
/// would ride out must not dead-letter an event we already acknowledged.
pub const STRIPE_RETRY_HORIZON: Duration = Duration::days(3);

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::seconds(2),
            cap: Duration::minutes(10),
            max_attempts: 10,
            horizon: STRIPE_RETRY_HORIZON,
            unowned_window: Duration::hours(1),
            max_lease_expiries: 5,
        }
    }
}

/// What to do after attempt number `attempt` (1-based) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    RetryIn(Duration),
    GiveUp,
}

impl RetryPolicy {
    /// The delay before the next attempt after a persistent failure, or [`RetryDecision::GiveUp`]
    /// once `max_attempts` attempts failed; `jitter` in `[0, 1)` spreads retries of many workers.
    pub fn after_failure(&self, attempt: u32, jitter: f64) -> RetryDecision {
        self.after(Persistence::Persistent, attempt, Duration::zero(), jitter)
    }

    /// The delay before the next attempt after attempt `attempt` failed for a cause of
    /// `persistence`, on an event received `age` ago.
    pub fn after(&self, persistence: Persistence, attempt: u32, age: Duration, jitter: f64) -> RetryDecision {
        let capped = attempt >= self.max_attempts;
        let exhausted = match persistence {
            Persistence::Persistent => capped,
            Persistence::Transient => capped && age >= self.horizon,
        };
        if exhausted {
            RetryDecision::GiveUp
        } else {
            RetryDecision::RetryIn(self.delay(attempt, jitter))
        }
    }

    fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let base_ms = self.base.num_milliseconds().saturating_mul(1_i64 << exponent);
        let capped = base_ms.min(self.cap.num_milliseconds());
        let jitter = jitter.clamp(0.0, 1.0);
        // Jitter adds at most a quarter of the delay; the float only scales a bounded integer.
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let extra = ((capped as f64) * 0.25 * jitter) as i64;
        Duration::milliseconds(capped + extra)
    }
}

/// A deterministic spread in `[0, 1)` per key (an event id) and attempt, so workers do not
/// retry in lockstep.
pub fn jitter(key: &str, attempts: u32) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes().chain(attempts.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    #[allow(clippy::cast_precision_loss)]
    let unit = (h % 1_000_000) as f64 / 1_000_000.0;
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_two_seconds_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.after_failure(1, 0.0), RetryDecision::RetryIn(Duration::seconds(2)));
        assert_eq!(policy.after_failure(2, 0.0), RetryDecision::RetryIn(Duration::seconds(4)));
        assert_eq!(policy.after_failure(3, 0.0), RetryDecision::RetryIn(Duration::seconds(8)));
        assert_eq!(policy.after_failure(9, 0.0), RetryDecision::RetryIn(Duration::seconds(512)));
        assert_eq!(policy.after_failure(10, 0.0), RetryDecision::GiveUp);
        let patient = RetryPolicy { max_attempts: 20, ..RetryPolicy::default() };
        assert_eq!(patient.after_failure(12, 0.0), RetryDecision::RetryIn(Duration::minutes(10)));
    }

    #[test]
    fn jitter_is_a_fixed_fnv_spread_per_event_and_attempt() {
        // FNV-1a over the key and the attempt's little-endian bytes, as six decimal digits; the
        // values pin the function, so two workers on different versions agree on a retry time.
        let cases = [("evt_1", 0, 0.372_514), ("evt_1", 1, 0.104_819), ("evt_2", 0, 0.094_975), ("evt_1Lx", 7, 0.041_921)];
        for (key, attempts, expected) in cases {
            let j = jitter(key, attempts);
            assert!((j - expected).abs() < 1e-9, "{key}/{attempts}: {j}");
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn jitter_adds_at_most_a_quarter() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.after_failure(1, 0.999_999), RetryDecision::RetryIn(Duration::milliseconds(2_499)));
    }

    #[test]
    fn a_transient_failure_is_retried_past_the_attempts_cap_until_the_event_is_older_than_the_horizon() {
        let policy = RetryPolicy::default();
        let day = Duration::days(1);
        assert_eq!(policy.after(Persistence::Transient, 11, day, 0.0), RetryDecision::RetryIn(Duration::minutes(10)));
        assert_eq!(
            policy.after(Persistence::Transient, 400, Duration::days(3) - Duration::seconds(1), 0.0),
            RetryDecision::RetryIn(Duration::minutes(10))
        );
        assert_eq!(policy.after(Persistence::Transient, 400, Duration::days(3), 0.0), RetryDecision::GiveUp);
        assert_eq!(policy.after(Persistence::Persistent, 10, Duration::zero(), 0.0), RetryDecision::GiveUp);
    }

    #[test]
    fn an_event_older_than_the_horizon_still_gets_the_capped_attempts() {
        let policy = RetryPolicy::default();
        let month = Duration::days(30);
        assert_eq!(policy.after(Persistence::Transient, 1, month, 0.0), RetryDecision::RetryIn(Duration::seconds(2)));
        assert_eq!(policy.after(Persistence::Transient, 10, month, 0.0), RetryDecision::GiveUp);
    }
}
