//! Counts failed webhook deliveries per client address and refuses an address that fails too often.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A sliding-window failure counter per address.
#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: usize,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl FailureLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self { max_failures, window, seen: Mutex::new(HashMap::new()) }
    }

    /// True when `addr` failed `max_failures` times within the window.
    pub fn is_blocked(&self, addr: IpAddr, now: Instant) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = self.window;
        let failures = seen.entry(addr).or_default();
        failures.retain(|t| now.duration_since(*t) < window);
        failures.len() >= self.max_failures
    }

    /// Counts one failure of `addr`.
    pub fn record_failure(&self, addr: IpAddr, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget quiet addresses so the map cannot grow without bound.
        if seen.len() > 10_000 {
            let window = self.window;
            seen.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        seen.entry(addr).or_default().push(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_too_many_failures_until_the_window_passes() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60));
        let addr: IpAddr = [127, 0, 0, 9].into();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(!limiter.is_blocked(addr, start));
            limiter.record_failure(addr, start);
        }
        assert!(limiter.is_blocked(addr, start));
        assert!(!limiter.is_blocked([127, 0, 0, 10].into(), start));
        assert!(!limiter.is_blocked(addr, start + Duration::from_secs(61)));
    }
}
