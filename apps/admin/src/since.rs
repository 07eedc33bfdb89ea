//! `--since` and `--over` values: a duration such as `7d` or `12h`, or for `--since` an RFC 3339
//! time.

use chrono::{DateTime, Duration, Utc};

/// A point in time given as it is, or as how long ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    At(DateTime<Utc>),
    Ago(Duration),
}

impl Since {
    /// The time this names, counted back from `now` when it is a duration.
    pub fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Self::At(at) => at,
            Self::Ago(ago) => now - ago,
        }
    }
}

/// Parses `7d`, `12h`, `90m`, `1h 30m` (humantime's units) or an RFC 3339 time.
///
/// # Errors
/// A message naming both accepted forms.
pub fn parse_since(raw: &str) -> Result<Since, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Since::At(at.with_timezone(&Utc)));
    }
    parse_duration(raw).map(Since::Ago).map_err(|_| format!("`{raw}` is neither a duration such as 7d or 12h nor an RFC 3339 time"))
}

/// Parses a duration such as `5s`, `12h` or `7d`.
///
/// # Errors
/// A message saying what is accepted.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let std = humantime::parse_duration(raw).map_err(|e| format!("`{raw}` is not a duration such as 5s, 12h or 7d: {e}"))?;
    Duration::from_std(std).map_err(|_| format!("`{raw}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times_are_both_accepted_and_anything_else_is_refused() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap_or_default();
        assert_eq!(parse_since("7d").map(|s| s.resolve(now)), Ok(now - Duration::days(7)));
        assert_eq!(parse_since("12h").map(|s| s.resolve(now)), Ok(now - Duration::hours(12)));
        let at = DateTime::parse_from_rfc3339("2026-11-30T10:00:00+01:00").map(|t| t.with_timezone(&Utc));
        assert_eq!(parse_since("2026-11-30T10:00:00+01:00").map(|s| s.resolve(now)), at.map_err(|e| e.to_string()));
        assert!(parse_since("last week").is_err_and(|e| e.contains("7d") && e.contains("RFC 3339")));
        assert_eq!(parse_duration("5s"), Ok(Duration::seconds(5)));
        assert!(parse_duration("-5s").is_err());
    }
}
