//! Amounts of money as integer minor units with their currency; never floats.

use std::fmt;

/// Why an amount or currency was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency must be a three-letter ISO 4217 code")]
    BadCurrency,
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount overflows")]
    Overflow,
}

/// A lowercase ISO 4217 currency code, as Stripe writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollars, the catalog's default currency.
    pub const USD: Currency = Currency(*b"usd");

    /// Parses a three-letter code in either case.
    ///
    /// # Errors
    /// [`MoneyError::BadCurrency`] unless the input is exactly three ASCII letters.
    pub fn parse(raw: &str) -> Result<Self, MoneyError> {
        let bytes = raw.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::BadCurrency);
        }
        let lower = [bytes[0].to_ascii_lowercase(), bytes[1].to_ascii_lowercase(), bytes[2].to_ascii_lowercase()];
        Ok(Self(lower))
    }

    /// The code in lowercase.
    pub fn as_str(&self) -> &str {
        // The constructor only admits ASCII letters, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount in the currency's minor unit (cents for USD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor_units: i64,
    currency: Currency,
}

impl Money {
    /// An amount of `minor_units` in `currency`.
    pub fn new(minor_units: i64, currency: Currency) -> Self {
        Self { minor_units, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The amount in minor units.
    pub fn minor_units(&self) -> i64 {
        self.minor_units
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// `self - other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency });
        }
        let minor_units = self.minor_units.checked_sub(other.minor_units).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor_units, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.minor_units, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_normalised_to_lowercase() {
        assert_eq!(Currency::parse("USD"), Ok(Currency::USD));
        assert_eq!(Currency::parse("us"), Err(MoneyError::BadCurrency));
        assert_eq!(Currency::parse("u1d"), Err(MoneyError::BadCurrency));
    }

    #[test]
    fn subtraction_refuses_mixed_currencies() {
        let eur = Currency::parse("eur").unwrap();
        let err = Money::new(1, Currency::USD).checked_sub(Money::new(1, eur));
        assert!(matches!(err, Err(MoneyError::CurrencyMismatch { .. })));
        assert_eq!(Money::new(500, Currency::USD).checked_sub(Money::new(200, Currency::USD)), Ok(Money::new(300, Currency::USD)));
    }
}
