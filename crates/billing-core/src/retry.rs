//! The retry schedule for webhook events that failed to apply.

use chrono::Duration;

/// Exponential backoff: `base * 2^(attempt-1)`, capped, with up to +25 % jitter; dead after
/// `max_attempts` attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { base: Duration::seconds(2), cap: Duration::minutes(10), max_attempts: 10 }
    }
}

/// What to do after attempt number `attempt` (1-based) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    RetryIn(Duration),
    GiveUp,
}

impl RetryPolicy {
    /// The delay before the next attempt; `jitter` in `[0, 1)` spreads retries of many workers.
    pub fn after_failure(&self, attempt: u32, jitter: f64) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        let exponent = attempt.saturating_sub(1).min(30);
        let base_ms = self.base.num_milliseconds().saturating_mul(1_i64 << exponent);
        let capped = base_ms.min(self.cap.num_milliseconds());
        let jitter = jitter.clamp(0.0, 1.0);
        // Jitter adds at most a quarter of the delay; the float only scales a bounded integer.
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let extra = ((capped as f64) * 0.25 * jitter) as i64;
        RetryDecision::RetryIn(Duration::milliseconds(capped + extra))
    }
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
    fn jitter_adds_at_most_a_quarter() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.after_failure(1, 0.999_999), RetryDecision::RetryIn(Duration::milliseconds(2_499)));
    }
}
