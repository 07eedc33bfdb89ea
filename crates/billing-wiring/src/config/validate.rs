//! The bounds every shared setting must respect, checked however the settings were built, so no
//! value can overflow a duration; and the check itself, which the server reuses for its own.

use std::ops::RangeInclusive;

use super::{ConfigError, SharedSettings};

/// A setting's variable and value beside the range it must lie in.
pub type Bound = (&'static str, i64, RangeInclusive<i64>);

/// An unsigned setting as a signed one; values past `i64::MAX` stay out of every range.
pub fn wide(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Checks each value against its range, in order.
///
/// # Errors
/// [`ConfigError::OutOfRange`] naming the first variable outside its range.
pub fn check_bounds(bounds: impl IntoIterator<Item = Bound>) -> Result<(), ConfigError> {
    for (var, value, range) in bounds {
        if !range.contains(&value) {
            return Err(ConfigError::OutOfRange { var, min: *range.start(), max: *range.end() });
        }
    }
    Ok(())
}

fn bounds(s: &SharedSettings) -> [Bound; 4] {
    [
        ("BILLING_GRACE_DAYS", s.grace_days, 1..=365),
        ("STRIPE_TIMEOUT_SECS", wide(s.stripe_timeout_secs), 1..=300),
        ("STRIPE_MAX_RETRIES", i64::from(s.stripe_max_retries), 0..=10),
        // A statement of this service takes milliseconds; an hour is already a stuck one.
        ("DATABASE_STATEMENT_TIMEOUT_SECS", wide(s.database_statement_timeout_secs), 1..=3600),
    ]
}

/// Checks every shared bound.
pub(super) fn validate(s: &SharedSettings) -> Result<(), ConfigError> {
    check_bounds(bounds(s))
}
