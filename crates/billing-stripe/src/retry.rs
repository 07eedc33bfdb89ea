//! When to retry a Stripe call and how long to wait first.

use std::time::Duration;

use crate::config::StripeConfig;

/// The retry budget of one logical call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    max_retries: u32,
    base: Duration,
    cap: Duration,
    max_elapsed: Duration,
}

impl RetryPolicy {
    pub(crate) fn from_config(config: &StripeConfig) -> Self {
        Self { max_retries: config.max_retries, base: config.backoff_base, cap: config.backoff_cap, max_elapsed: config.max_retry_elapsed }
    }

    /// The pause before the next attempt, or `None` when the budget is spent.
    ///
    /// `retries_done` counts retries already made; `elapsed` runs from the first attempt;
    /// `retry_after` is Stripe's hint, honoured up to the cap; `jitter` is uniform in `[0, 1)`
    /// and scales the exponential delay into `[50 %, 100 %)` of itself.
    pub(crate) fn delay(&self, retries_done: u32, elapsed: Duration, retry_after: Option<Duration>, jitter: f64) -> Option<Duration> {
        if retries_done >= self.max_retries {
            return None;
        }
        let exponential = self.base.saturating_mul(2_u32.saturating_pow(retries_done)).min(self.cap);
        let factor = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
        let jittered = Duration::try_from_secs_f64(exponential.as_secs_f64() * factor).unwrap_or(exponential);
        let delay = match retry_after {
            Some(hint) => hint.min(self.cap).max(jittered),
            None => jittered,
        };
        (elapsed.saturating_add(delay) <= self.max_elapsed).then_some(delay)
    }
}

/// Whether a failed response is worth retrying: `Stripe-Should-Retry` decides when present,
/// otherwise 409 (conflict, e.g. a concurrent request with the same key), 429 and 5xx are.
pub(crate) fn should_retry_status(status: u16, stripe_should_retry: Option<bool>) -> bool {
    match stripe_should_retry {
        Some(decided) => decided,
        None => status == 409 || status == 429 || status >= 500,
    }
}

/// Whether a response whose body could not be read is worth retrying.
///
/// A 2xx whose body was lost in transit is retried like a dropped connection: POSTs replay under
/// the same idempotency key, and GETs and DELETEs are idempotent. Any other status decides as it
/// would with a readable body, so a 400 or 404 is never sent again.
pub(crate) fn should_retry_unreadable(status: u16, stripe_should_retry: Option<bool>) -> bool {
    (200..300).contains(&status) || should_retry_status(status, stripe_should_retry)
}

/// Reads `Stripe-Should-Retry: true|false`; anything else counts as absent.
pub(crate) fn parse_should_retry(raw: Option<&str>) -> Option<bool> {
    match raw.map(str::trim) {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy { max_retries: 3, base: Duration::from_millis(500), cap: Duration::from_secs(2), max_elapsed: Duration::from_secs(10) }
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = RetryPolicy { max_retries: 5, ..policy() };

        let delays: Vec<_> = (0..5).map(|n| p.delay(n, Duration::ZERO, None, 0.999_999)).collect();

        assert!(delays[0].is_some_and(|d| d > Duration::from_millis(499) && d <= Duration::from_millis(500)));
        assert!(delays[1].is_some_and(|d| d > Duration::from_millis(999) && d <= Duration::from_secs(1)));
        assert!(delays[2].is_some_and(|d| d > Duration::from_millis(1_999) && d <= Duration::from_secs(2)));
        // Uncapped, retries 3 and 4 would wait 4 s and 8 s.
        assert!(delays[3].is_some_and(|d| d > Duration::from_millis(1_999) && d <= Duration::from_secs(2)));
        assert!(delays[4].is_some_and(|d| d > Duration::from_millis(1_999) && d <= Duration::from_secs(2)));
    }

    #[test]
    fn jitter_never_goes_below_half_the_delay() {
        assert_eq!(policy().delay(0, Duration::ZERO, None, 0.0), Some(Duration::from_millis(250)));
    }

    #[test]
    fn the_retry_count_is_bounded() {
        assert_eq!(policy().delay(3, Duration::ZERO, None, 0.5), None);
    }

    #[test]
    fn the_total_time_is_bounded() {
        assert_eq!(policy().delay(0, Duration::from_millis(9_900), None, 0.5), None);
    }

    #[test]
    fn a_retry_after_hint_is_honoured_up_to_the_cap() {
        let p = policy();

        assert_eq!(p.delay(0, Duration::ZERO, Some(Duration::from_millis(1_500)), 0.0), Some(Duration::from_millis(1_500)));
        assert_eq!(p.delay(0, Duration::ZERO, Some(Duration::from_secs(60)), 0.0), Some(Duration::from_secs(2)));
    }

    #[test]
    fn stripe_should_retry_overrides_the_status() {
        assert!(should_retry_status(400, Some(true)));
        assert!(!should_retry_status(503, Some(false)));
    }

    #[test]
    fn conflicts_rate_limits_and_server_errors_are_retried_other_client_errors_are_not() {
        for status in [409, 429, 500, 502, 503, 504] {
            assert!(should_retry_status(status, None), "{status}");
        }
        for status in [400, 401, 402, 403, 404, 424] {
            assert!(!should_retry_status(status, None), "{status}");
        }
    }

    #[test]
    fn an_unreadable_body_is_retried_only_when_its_status_would_be() {
        for status in [200, 201, 409, 429, 500, 503] {
            assert!(should_retry_unreadable(status, None), "{status}");
        }
        for status in [400, 401, 402, 403, 404, 424] {
            assert!(!should_retry_unreadable(status, None), "{status}");
        }
        assert!(!should_retry_unreadable(503, Some(false)));
        assert!(should_retry_unreadable(400, Some(true)));
    }

    #[test]
    fn only_true_and_false_count_as_a_retry_hint() {
        assert_eq!(parse_should_retry(Some("true")), Some(true));
        assert_eq!(parse_should_retry(Some("false")), Some(false));
        assert_eq!(parse_should_retry(Some("maybe")), None);
        assert_eq!(parse_should_retry(None), None);
    }
}
