//! The demo's clock: the wall clock moved by the simulator's test-clock offset, so advancing the
//! simulator's time moves the server's timers (grace periods, period ends) with it.

use billing_core::ports::Clock;
use chrono::{DateTime, Duration, Utc};
use stripe_sim::SimClock;

/// Tells the simulator's time, keeping the wall clock's sub-second precision.
#[derive(Debug, Clone)]
pub struct SimulatedClock {
    sim: SimClock,
}

impl SimulatedClock {
    pub fn new(sim: SimClock) -> Self {
        Self { sim }
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.sim.offset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_the_simulators_clock_moves_the_servers_clock() {
        let sim = SimClock::new();
        let clock = SimulatedClock::new(sim.clone());
        let before = Utc::now();
        assert!(clock.now() >= before && clock.now() < before + Duration::days(1), "unadvanced, it reads the wall clock");

        sim.advance(31 * 86_400);

        let now = clock.now();
        assert!(now >= before + Duration::days(31), "{now} is not 31 days past {before}");
        assert!(now < Utc::now() + Duration::days(32), "{now} moved more than the advance");
    }
}
