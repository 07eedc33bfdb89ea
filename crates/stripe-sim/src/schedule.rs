//! Subscription schedules: phases of prices over time that drive a subscription until the
//! schedule ends or is released.

/// `subscription_schedule.status`; `not_started` never happens because schedules are only made
/// from running subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleStatus {
    Active,
    Released,
    Canceled,
    Completed,
}

impl ScheduleStatus {
    /// Stripe's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Released => "released",
            Self::Canceled => "canceled",
            Self::Completed => "completed",
        }
    }
}

/// What happens to the subscription when the last phase ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndBehavior {
    /// The subscription goes on as it is, without the schedule.
    Release,
    /// The subscription is canceled.
    Cancel,
}

impl EndBehavior {
    /// Stripe's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Cancel => "cancel",
        }
    }
}

/// One phase: a price from `start` to `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    pub price: String,
    pub quantity: u32,
    pub start: i64,
    pub end: i64,
    pub proration_behavior: String,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub id: String,
    pub created: i64,
    pub customer: String,
    /// The subscription it controls; `None` once released.
    pub subscription: Option<String>,
    pub released_subscription: Option<String>,
    pub status: ScheduleStatus,
    pub end_behavior: EndBehavior,
    pub phases: Vec<Phase>,
    pub released_at: Option<i64>,
    pub canceled_at: Option<i64>,
    pub completed_at: Option<i64>,
}

impl Schedule {
    /// The phase running at `at`, while the schedule is active.
    pub fn phase_at(&self, at: i64) -> Option<&Phase> {
        if self.status != ScheduleStatus::Active {
            return None;
        }
        self.phases.iter().find(|phase| phase.start <= at && at < phase.end)
    }

    /// When the last phase ends.
    pub fn end(&self) -> Option<i64> {
        self.phases.last().map(|phase| phase.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(price: &str, start: i64, end: i64) -> Phase {
        Phase { price: price.into(), quantity: 1, start, end, proration_behavior: "none".into() }
    }

    #[test]
    fn the_phase_at_a_moment_is_the_one_spanning_it_and_none_once_released() {
        let mut schedule = Schedule {
            id: "sub_sched_1".into(),
            created: 0,
            customer: "cus_1".into(),
            subscription: Some("sub_1".into()),
            released_subscription: None,
            status: ScheduleStatus::Active,
            end_behavior: EndBehavior::Release,
            phases: vec![phase("a", 0, 10), phase("b", 10, 20)],
            released_at: None,
            canceled_at: None,
            completed_at: None,
        };

        assert_eq!(schedule.phase_at(9).map(|p| p.price.as_str()), Some("a"));
        assert_eq!(schedule.phase_at(10).map(|p| p.price.as_str()), Some("b"));
        assert_eq!(schedule.phase_at(20), None);
        assert_eq!(schedule.end(), Some(20));
        schedule.status = ScheduleStatus::Released;
        assert_eq!(schedule.phase_at(5), None);
    }
}
