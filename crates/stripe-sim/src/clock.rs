//! The simulator's clock: the wall clock plus an offset that test helpers move forward.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::Utc;

/// Simulated time in unix seconds; clones share the same offset.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    offset_secs: Arc<AtomicI64>,
}

impl SimClock {
    /// A clock that reads the wall clock until it is advanced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Simulated now, in unix seconds.
    pub fn now(&self) -> i64 {
        Utc::now().timestamp().saturating_add(self.offset_secs.load(Ordering::SeqCst))
    }

    /// Moves simulated time forward by `secs`; negative values are ignored because Stripe's test
    /// clocks never go back.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs.max(0), Ordering::SeqCst);
    }

    /// How far simulated time is ahead of the wall clock.
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_and_clones_share_it() {
        let clock = SimClock::new();
        let shared = clock.clone();

        clock.advance(86_400);
        clock.advance(-5);

        assert_eq!(shared.offset(), 86_400);
        assert!(shared.now() >= Utc::now().timestamp() + 86_400);
    }
}
