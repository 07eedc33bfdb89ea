//! Proration of an immediate price change: a credit for the unused time of the old price and a
//! charge for the same time at the new one, each over whole seconds and rounded to the nearest
//! minor unit (halves away from zero), as Stripe itemises them.

/// `amount * part / whole`, rounded half away from zero.
fn share(amount: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let product = i128::from(amount) * i128::from(part);
    let whole = i128::from(whole);
    let rounded = if product >= 0 { (product + whole / 2) / whole } else { (product - whole / 2) / whole };
    // `part <= whole`, so the share never exceeds `amount`.
    i64::try_from(rounded).unwrap_or(amount)
}

/// The two proration lines of moving from `old` to `new` (unit amounts of one period) at `at`
/// within `[start, end)`: the credit (negative) and the charge. Both are zero once the period is
/// over; before it starts, the whole period counts.
pub fn lines(old: i64, new: i64, start: i64, end: i64, at: i64) -> (i64, i64) {
    let whole = end - start;
    let unused = (end - at).clamp(0, whole.max(0));
    (-share(old, unused, whole), share(new, unused, whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfway_through_the_credit_and_charge_are_half_of_each_price() {
        assert_eq!(lines(9_900, 49_900, 0, 100, 50), (-4_950, 24_950));
    }

    #[test]
    fn halves_round_away_from_zero_and_the_period_bounds_clamp() {
        // 3 cents over 2 of 4 seconds is 1.5: the credit rounds to -2 and the charge to 2.
        assert_eq!(lines(3, 3, 0, 4, 2), (-2, 2));
        assert_eq!(lines(9_900, 49_900, 0, 100, 100), (0, 0), "at the end nothing is left");
        assert_eq!(lines(9_900, 49_900, 10, 110, 0), (-9_900, 49_900), "before the start the whole period counts");
        assert_eq!(lines(9_900, 49_900, 0, 0, 0), (0, 0), "an empty period prorates nothing");
    }
}
