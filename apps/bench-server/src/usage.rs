//! The server process's resource use, read from `/proc/<pid>`: CPU time (user and system) and
//! peak resident memory.

use std::time::Duration;

use anyhow::Context;

/// One reading of a process.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// User plus system CPU time since the process started.
    pub cpu: Duration,
    /// The most resident memory the process has had (`VmHWM`), in bytes.
    pub peak_rss: u64,
}

/// Reads `pid`'s CPU time and peak RSS.
///
/// # Errors
/// When the process is gone or `/proc` cannot be read.
pub fn read(pid: u32) -> anyhow::Result<Usage> {
    let process = procfs::process::Process::new(i32::try_from(pid)?).with_context(|| format!("no process {pid}"))?;
    let stat = process.stat().with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    let status = process.status().with_context(|| format!("cannot read /proc/{pid}/status"))?;
    Ok(Usage {
        cpu: ticks_to_duration(stat.utime + stat.stime, procfs::ticks_per_second()),
        peak_rss: status.vmhwm.context("no VmHWM in /proc/<pid>/status")? * 1024,
    })
}

/// `ticks` of a clock running at `per_second` (`CLK_TCK`, 100 on Linux) as a duration.
pub fn ticks_to_duration(ticks: u64, per_second: u64) -> Duration {
    if per_second == 0 {
        return Duration::ZERO;
    }
    Duration::from_secs(ticks / per_second) + Duration::from_nanos((ticks % per_second) * 1_000_000_000 / per_second)
}

/// CPU milliseconds spent per event between two readings; `None` without events.
pub fn cpu_ms_per_event(before: &Usage, after: &Usage, events: u64) -> Option<f64> {
    (events > 0).then(|| after.cpu.saturating_sub(before.cpu).as_secs_f64() * 1_000.0 / events as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_hundredths_at_a_hundred_per_second() {
        assert_eq!(ticks_to_duration(250, 100), Duration::from_millis(2_500));
        assert_eq!(ticks_to_duration(3, 1_000), Duration::from_millis(3));
        assert_eq!(ticks_to_duration(7, 0), Duration::ZERO);
    }

    #[test]
    fn cpu_per_event_is_the_delta_over_the_events() {
        let before = Usage { cpu: Duration::from_millis(1_000), peak_rss: 0 };
        let after = Usage { cpu: Duration::from_millis(3_500), peak_rss: 0 };
        assert_eq!(cpu_ms_per_event(&before, &after, 10_000), Some(0.25));
        assert_eq!(cpu_ms_per_event(&before, &after, 0), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let usage = read(std::process::id()).unwrap();
        assert!(usage.peak_rss > 1 << 20, "peak RSS of {} bytes", usage.peak_rss);
    }
}
