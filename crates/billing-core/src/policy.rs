//! Billing policies as small pure functions over configurable numbers.

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::catalog::Plan;
use crate::state::PendingCheckout;

/// The configurable numbers behind the policies. [`Policy::default`] holds the documented values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// How long paid features stay after a failed payment (EC-2).
    pub grace: Duration,
    /// How many plan changes an organization may make per window (EC-8).
    pub plan_change_limit: usize,
    pub plan_change_window: Duration,
    /// How long a pending checkout blocks a new one (EC-18).
    pub checkout_lock: Duration,
    /// When a pending checkout is forgotten; Stripe expires sessions after 24 h (EC-16).
    pub checkout_expiry: Duration,
    /// How long a Checkout session stays open (`expires_at`); Stripe allows at most 24 h, so
    /// this stays a few minutes under it to survive clock skew between us and Stripe.
    pub checkout_session_lifetime: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            grace: Duration::days(7),
            plan_change_limit: 5,
            plan_change_window: Duration::seconds(60),
            checkout_lock: Duration::minutes(5),
            checkout_expiry: Duration::hours(24),
            checkout_session_lifetime: Duration::hours(24) - Duration::minutes(10),
        }
    }
}

/// Whether a plan change goes up or down the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeDirection {
    /// Applied now, with proration charged immediately (EC-6).
    Upgrade,
    /// Applied at period end, without credit (EC-7).
    Downgrade,
    Same,
}

impl Policy {
    /// Paid features end at this time after a payment failure at `failed_at`.
    pub fn grace_deadline(&self, failed_at: DateTime<Utc>) -> DateTime<Utc> {
        failed_at + self.grace
    }

    /// `Err(retry_after)` when another plan change now would exceed the rolling limit.
    pub fn plan_change_allowed(&self, recent: &[DateTime<Utc>], now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let window_start = now - self.plan_change_window;
        let mut in_window: Vec<DateTime<Utc>> = recent.iter().copied().filter(|t| *t > window_start && *t <= now).collect();
        if in_window.len() < self.plan_change_limit {
            return Ok(());
        }
        in_window.sort();
        // The oldest change in the window must leave it before another one fits.
        let oldest = in_window[in_window.len() - self.plan_change_limit];
        Err(oldest + self.plan_change_window)
    }

    /// The change times worth keeping after one more change at `now`.
    pub fn record_plan_change(&self, recent: &[DateTime<Utc>], now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let window_start = now - self.plan_change_window;
        let mut kept: Vec<DateTime<Utc>> = recent.iter().copied().filter(|t| *t > window_start).collect();
        kept.push(now);
        kept.sort();
        let excess = kept.len().saturating_sub(self.plan_change_limit);
        kept.drain(..excess);
        kept
    }

    /// True while a pending checkout still blocks a new one.
    pub fn checkout_blocks_new_one(&self, pending: &PendingCheckout, now: DateTime<Utc>) -> bool {
        now < pending.created_at + self.checkout_lock
    }

    /// The `expires_at` of a Checkout session opened at `now`. It moves in steps of ten minutes
    /// so that a double-clicked checkout sends Stripe the same body under the same idempotency
    /// key (Stripe refuses a reused key with other parameters); it stays within Stripe's 24 h.
    pub fn checkout_session_expires_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let step = Duration::minutes(10);
        let start = now.duration_trunc(step).unwrap_or(now);
        start + self.checkout_session_lifetime
    }

    /// True once a pending checkout can be forgotten.
    pub fn checkout_expired(&self, pending: &PendingCheckout, now: DateTime<Utc>) -> bool {
        now >= pending.created_at + self.checkout_expiry
    }

    /// Upgrade, downgrade or no change, by rank.
    pub fn direction(from: &Plan, to: &Plan) -> ChangeDirection {
        match to.rank().cmp(&from.rank()) {
            std::cmp::Ordering::Greater => ChangeDirection::Upgrade,
            std::cmp::Ordering::Less => ChangeDirection::Downgrade,
            std::cmp::Ordering::Equal => ChangeDirection::Same,
        }
    }

    /// Phase 4 "payment verification": only a complete and paid checkout may provision a plan,
    /// whether the news came from a webhook or from reading the session on the return page.
    pub fn may_provision_from_checkout(complete: bool, paid: bool) -> bool {
        complete && paid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap()
    }

    #[test]
    fn sixth_plan_change_within_a_minute_is_refused_until_the_oldest_leaves() {
        let policy = Policy::default();
        let mut recent = Vec::new();
        for i in 0..5 {
            assert!(policy.plan_change_allowed(&recent, t(i * 10)).is_ok());
            recent = policy.record_plan_change(&recent, t(i * 10));
        }
        assert_eq!(policy.plan_change_allowed(&recent, t(45)), Err(t(60)));
        assert!(policy.plan_change_allowed(&recent, t(61)).is_ok());
    }

    #[test]
    fn a_change_exactly_one_window_old_no_longer_counts_and_is_forgotten() {
        let policy = Policy::default();
        let recent: Vec<_> = (0..5).map(|i| t(i * 10)).collect();
        assert_eq!(policy.plan_change_allowed(&recent, t(59)), Err(t(60)));
        assert_eq!(policy.plan_change_allowed(&recent, t(60)), Ok(()), "the change at 0 left the window at 60");
        assert_eq!(policy.record_plan_change(&[t(0)], t(60)), vec![t(60)]);
        assert_eq!(policy.record_plan_change(&[t(1)], t(60)), vec![t(1), t(60)]);
    }

    #[test]
    fn grace_is_seven_days_by_default() {
        assert_eq!(Policy::default().grace_deadline(t(0)), t(7 * 24 * 3600));
    }

    #[test]
    fn pending_checkout_blocks_for_five_minutes_and_expires_after_a_day() {
        let policy = Policy::default();
        let pending = PendingCheckout {
            session_id: crate::ids::CheckoutSessionId::parse("cs_1").unwrap(),
            plan: crate::ids::PlanId::parse("team").unwrap(),
            created_at: t(0),
            url: None,
        };
        assert!(policy.checkout_blocks_new_one(&pending, t(299)));
        assert!(!policy.checkout_blocks_new_one(&pending, t(300)));
        assert!(!policy.checkout_expired(&pending, t(86_399)));
        assert!(policy.checkout_expired(&pending, t(86_400)));
    }

    #[test]
    fn checkout_sessions_expire_just_under_stripes_day_and_agree_within_ten_minutes() {
        let policy = Policy::default();
        // 1_700_000_000 is 22:13:20 UTC; its ten-minute step began at 22:10:00.
        let opened = t(0);
        let expires = policy.checkout_session_expires_at(opened);
        assert!(expires < opened + Duration::hours(24));
        assert!(expires > opened + Duration::hours(23));
        assert_eq!(policy.checkout_session_expires_at(t(-200)), expires, "same step, same body for a double click");
        assert_eq!(policy.checkout_session_expires_at(t(399)), expires);
        assert_ne!(policy.checkout_session_expires_at(t(400)), expires, "the next step");
    }
}
