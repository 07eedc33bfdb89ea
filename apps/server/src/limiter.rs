//! Counts failed webhook deliveries per client address and says when an address failed too often.
//!
//! The limiter never decides alone whether a delivery is refused: the webhook endpoint checks the
//! signature first and consults the limiter only for deliveries that already failed, so a validly
//! signed delivery is never refused, whoever else fails from the same address.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How many addresses are tracked at most; about 3 MB with 20 failures each.
pub const DEFAULT_MAX_TRACKED: usize = 10_000;

/// A sliding-window failure counter per address, with a bounded number of tracked addresses.
#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: usize,
    window: Duration,
    max_tracked: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The most recent failures of each address, oldest first, at most `max_failures` of them.
    seen: HashMap<IpAddr, VecDeque<Instant>>,
    last_sweep: Option<Instant>,
}

/// The key an address is counted under. One IPv6 host usually holds a whole /64, so IPv6
/// addresses are counted per /64; IPv4-mapped IPv6 addresses count as their IPv4 address.
fn key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        v4 => v4,
    }
}

impl FailureLimiter {
    pub fn new(max_failures: usize, window: Duration, max_tracked: usize) -> Self {
        Self { max_failures, window, max_tracked: max_tracked.max(1), inner: Mutex::new(Inner::default()) }
    }

    fn lock(&self, now: Instant) -> MutexGuard<'_, Inner> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        // Every call sweeps once a window has passed, so quiet addresses are forgotten even when
        // no failure arrives at all.
        if inner.last_sweep.is_none_or(|t| now.saturating_duration_since(t) >= self.window) {
            self.sweep(&mut inner, now);
        }
        inner
    }

    fn sweep(&self, inner: &mut Inner, now: Instant) {
        let window = self.window;
        inner.seen.retain(|_, failures| failures.back().is_some_and(|t| now.saturating_duration_since(*t) < window));
        inner.last_sweep = Some(now);
    }

    /// Drops the failures of `failures` that are older than the window.
    fn expire(&self, failures: &mut VecDeque<Instant>, now: Instant) {
        while failures.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.window) {
            failures.pop_front();
        }
    }

    /// True when `addr` failed `max_failures` times within the window. Looking an address up
    /// never starts tracking it.
    pub fn is_blocked(&self, addr: IpAddr, now: Instant) -> bool {
        let mut inner = self.lock(now);
        let key = key(addr);
        let Some(failures) = inner.seen.get_mut(&key) else { return false };
        self.expire(failures, now);
        let blocked = failures.len() >= self.max_failures;
        if failures.is_empty() {
            inner.seen.remove(&key);
        }
        blocked
    }

    /// Counts one failure of `addr`; true when the address was already blocked before it.
    pub fn record_failure(&self, addr: IpAddr, now: Instant) -> bool {
        let mut inner = self.lock(now);
        let key = key(addr);
        if !inner.seen.contains_key(&key) && inner.seen.len() >= self.max_tracked {
            self.make_room(&mut inner, now);
        }
        let failures = inner.seen.entry(key).or_default();
        self.expire(failures, now);
        let blocked = failures.len() >= self.max_failures;
        failures.push_back(now);
        // Only the newest `max_failures` matter for the decision, so older ones are not kept.
        while failures.len() > self.max_failures.max(1) {
            failures.pop_front();
        }
        blocked
    }

    /// Frees a slot: expired addresses first, else the one whose last failure is the oldest.
    fn make_room(&self, inner: &mut Inner, now: Instant) {
        self.sweep(inner, now);
        if inner.seen.len() < self.max_tracked {
            return;
        }
        let stalest = inner.seen.iter().min_by_key(|(_, failures)| failures.back().copied()).map(|(addr, _)| *addr);
        if let Some(addr) = stalest {
            inner.seen.remove(&addr);
        }
    }

    /// How many addresses are tracked, for tests and diagnostics.
    pub fn tracked(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(last: u8) -> IpAddr {
        [203, 0, 113, last].into()
    }

    #[test]
    fn an_address_is_blocked_after_too_many_failures_until_the_window_passes() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60), 100);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(!limiter.is_blocked(v4(9), start));
            assert!(!limiter.record_failure(v4(9), start));
        }
        assert!(limiter.is_blocked(v4(9), start));
        assert!(limiter.record_failure(v4(9), start));
        assert!(!limiter.is_blocked(v4(10), start));
        assert!(!limiter.is_blocked(v4(9), start + Duration::from_secs(61)));
    }

    #[test]
    fn looking_up_addresses_that_never_failed_tracks_nothing() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60), 100);
        let now = Instant::now();
        for last in 0..50 {
            assert!(!limiter.is_blocked(v4(last), now));
        }
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn the_number_of_tracked_addresses_never_exceeds_the_cap() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60), 10);
        let now = Instant::now();
        for last in 0..=255 {
            limiter.record_failure(v4(last), now);
            assert!(limiter.tracked() <= 10);
        }
        // The newest address was kept; the stalest ones made room for it.
        limiter.record_failure(v4(255), now);
        limiter.record_failure(v4(255), now);
        assert!(limiter.is_blocked(v4(255), now));
    }

    #[test]
    fn expired_addresses_are_forgotten_on_lookups_without_new_failures() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60), 100);
        let start = Instant::now();
        for last in 0..20 {
            limiter.record_failure(v4(last), start);
        }
        assert_eq!(limiter.tracked(), 20);
        assert!(!limiter.is_blocked(v4(200), start + Duration::from_secs(61)));
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn ipv6_addresses_are_counted_per_64_prefix_and_mapped_ipv4_as_ipv4() {
        let limiter = FailureLimiter::new(2, Duration::from_secs(60), 100);
        let now = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        limiter.record_failure(a, now);
        limiter.record_failure(b, now);
        assert!(limiter.is_blocked("2001:db8:1:2::77".parse().unwrap(), now));
        assert!(!limiter.is_blocked("2001:db8:1:3::1".parse().unwrap(), now));
        limiter.record_failure("::ffff:203.0.113.5".parse().unwrap(), now);
        limiter.record_failure(v4(5), now);
        assert!(limiter.is_blocked(v4(5), now));
    }
}
