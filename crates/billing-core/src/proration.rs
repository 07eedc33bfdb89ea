//! Exact integer proration of an immediate plan change (EC-6).
//!
//! The charge is computed the way Stripe itemises it: a credit for the unused time of the old
//! price and a charge for the same time at the new price, each rounded to the nearest minor unit
//! (halves away from zero) over whole seconds, then netted. Downgrades are never prorated: they
//! take effect at period end, so they produce no credit and no charge.

use chrono::{DateTime, Utc};

use crate::money::{Money, MoneyError};
use crate::state::BillingPeriod;

/// `amount * numerator / denominator`, rounded to the nearest integer with halves away from zero.
fn scale(amount: i64, numerator: i64, denominator: i64) -> i64 {
    let product = i128::from(amount) * i128::from(numerator);
    let den = i128::from(denominator);
    let half = den / 2;
    let rounded = if product >= 0 { (product + half) / den } else { (product - half) / den };
    // `numerator <= denominator`, so the result fits wherever `amount` fits.
    i64::try_from(rounded).unwrap_or(amount)
}

/// Seconds of `period` left at `at`, clamped to the period.
pub fn seconds_remaining(period: BillingPeriod, at: DateTime<Utc>) -> i64 {
    let total = (period.end() - period.start()).num_seconds();
    (period.end() - at).num_seconds().clamp(0, total)
}

/// What switching from `from_price` to `to_price` (monthly amounts) at `at` costs now.
///
/// Zero for a downgrade or no change, zero at or after the period end, and the full difference
/// at or before the period start.
///
/// # Errors
/// [`MoneyError::CurrencyMismatch`] when the prices differ in currency.
pub fn immediate_charge(from_price: Money, to_price: Money, period: BillingPeriod, at: DateTime<Utc>) -> Result<Money, MoneyError> {
    if from_price.currency() != to_price.currency() {
        return Err(MoneyError::CurrencyMismatch { left: from_price.currency(), right: to_price.currency() });
    }
    let currency = to_price.currency();
    if to_price.minor_units() <= from_price.minor_units() {
        return Ok(Money::zero(currency));
    }
    let total = (period.end() - period.start()).num_seconds();
    let remaining = seconds_remaining(period, at);
    let credit = scale(from_price.minor_units(), remaining, total);
    let charge = scale(to_price.minor_units(), remaining, total);
    Money::new(charge, currency).checked_sub(Money::new(credit, currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use chrono::TimeZone;

    fn day(d: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).single().unwrap() + chrono::Duration::days(d)
    }

    fn usd(cents: i64) -> Money {
        Money::new(cents, Currency::USD)
    }

    #[test]
    fn team_to_enterprise_at_half_period_charges_two_hundred_dollars() {
        let period = BillingPeriod::new(day(0), day(30)).unwrap();
        assert_eq!(immediate_charge(usd(9_900), usd(49_900), period, day(15)), Ok(usd(20_000)));
    }

    #[test]
    fn downgrade_and_same_plan_cost_nothing() {
        let period = BillingPeriod::new(day(0), day(30)).unwrap();
        assert_eq!(immediate_charge(usd(49_900), usd(9_900), period, day(15)), Ok(usd(0)));
        assert_eq!(immediate_charge(usd(9_900), usd(9_900), period, day(15)), Ok(usd(0)));
    }

    #[test]
    fn upgrade_at_period_end_costs_nothing_and_at_start_costs_the_difference() {
        let period = BillingPeriod::new(day(0), day(30)).unwrap();
        assert_eq!(immediate_charge(usd(9_900), usd(49_900), period, day(30)), Ok(usd(0)));
        assert_eq!(immediate_charge(usd(9_900), usd(49_900), period, day(0)), Ok(usd(40_000)));
    }

    #[test]
    fn each_line_rounds_half_away_from_zero() {
        // One third of 100 cents is 33.33 -> 33; one third of 201 cents is 67 exactly.
        let period = BillingPeriod::new(day(0), day(3)).unwrap();
        assert_eq!(immediate_charge(usd(100), usd(201), period, day(2)), Ok(usd(67 - 33)));
        // Half of 1 cent is 0.5 -> 1; half of 4 cents is 2.
        let period = BillingPeriod::new(day(0), day(2)).unwrap();
        assert_eq!(immediate_charge(usd(1), usd(4), period, day(1)), Ok(usd(2 - 1)));
    }

    #[test]
    fn scaling_rounds_to_the_nearest_unit_with_halves_away_from_zero_in_both_signs() {
        // Credits can be negative, so both signs must round alike: 66.67 and 1.75 grow, 1.25 shrinks.
        assert_eq!((scale(100, 2, 3), scale(-100, 2, 3)), (67, -67));
        assert_eq!((scale(7, 1, 4), scale(-7, 1, 4)), (2, -2));
        assert_eq!((scale(5, 1, 4), scale(-5, 1, 4)), (1, -1));
        // Exact halves go away from zero, as Stripe rounds line items.
        assert_eq!((scale(1, 1, 2), scale(-1, 1, 2)), (1, -1));
        assert_eq!((scale(-6, 1, 4), scale(-3, 1, 3)), (-2, -1));
    }

    #[test]
    fn an_upgrade_before_the_period_starts_costs_the_whole_difference_and_no_more() {
        let period = BillingPeriod::new(day(0), day(30)).unwrap();
        assert_eq!(seconds_remaining(period, day(-5)), 30 * 86_400);
        assert_eq!(immediate_charge(usd(9_900), usd(49_900), period, day(-5)), Ok(usd(40_000)));
    }
}
