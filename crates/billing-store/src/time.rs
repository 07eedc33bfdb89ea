//! Timestamps as integer microseconds, the precision both databases keep.

use chrono::{DateTime, Utc};

use crate::error::CodecError;

/// Microseconds since the Unix epoch; Postgres `timestamptz` keeps exactly this precision.
pub fn to_micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The instant `micros` microseconds after the Unix epoch.
///
/// # Errors
/// [`CodecError::Timestamp`] when the value is outside chrono's range.
pub fn from_micros(micros: i64) -> Result<DateTime<Utc>, CodecError> {
    DateTime::from_timestamp_micros(micros).ok_or(CodecError::Timestamp(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_round_trip_and_nanoseconds_are_dropped() {
        let at = DateTime::from_timestamp(1_767_225_600, 123_456_789).unwrap_or_default();
        let back = from_micros(to_micros(at)).unwrap_or_default();
        assert_eq!(back, DateTime::from_timestamp(1_767_225_600, 123_456_000).unwrap_or_default());
    }
}
