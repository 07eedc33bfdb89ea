//! Signed proration quotes: the price a customer was shown, so a plan change charges exactly that.

use billing_core::services::QuoteLock;
use billing_core::{Currency, Money, OrgId, StripePriceId};
use chrono::{DateTime, Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How long a quote may be accepted after it was given.
pub const QUOTE_TTL_SECS: i64 = 600;

/// The audience that tells a quote from an access token signed under the same secret's family.
const AUDIENCE: &str = "billing-quote";

/// Why a quote was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("the quote is not one this server gave")]
    Invalid,
    #[error("the quote is more than ten minutes old; ask for a new one")]
    Expired,
    #[error("quotes need JWT_SECRET to be configured")]
    NotConfigured,
}

/// What a quote binds: organization, target price, proration instant and amount.
#[derive(Debug, Serialize, Deserialize)]
struct QuoteClaims {
    org: String,
    price: String,
    proration_date: i64,
    amount: i64,
    currency: String,
    exp: i64,
    aud: String,
}

/// Signs and verifies quotes with HMAC-SHA256 under a key derived from `JWT_SECRET`, so a quote
/// can never pass for an access token or the other way round.
pub struct QuoteSigner {
    key: Option<Vec<u8>>,
}

impl std::fmt::Debug for QuoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuoteSigner").field("configured", &self.key.is_some()).finish()
    }
}

impl QuoteSigner {
    pub fn new(jwt_secret: Option<&SecretString>) -> Self {
        let key = jwt_secret.and_then(|secret| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()).ok()?;
            mac.update(b"billing proration quote key v1");
            Some(mac.finalize().into_bytes().to_vec())
        });
        Self { key }
    }

    fn key(&self) -> Result<&[u8], QuoteError> {
        self.key.as_deref().ok_or(QuoteError::NotConfigured)
    }

    /// A quote for `org` moving to `price`, charging `amount` when prorated at `proration_date`.
    ///
    /// # Errors
    /// [`QuoteError::NotConfigured`] without a secret.
    pub fn sign(&self, org: &OrgId, lock: &QuoteLock, now: DateTime<Utc>) -> Result<(String, DateTime<Utc>), QuoteError> {
        let expires_at = now + Duration::seconds(QUOTE_TTL_SECS);
        let claims = QuoteClaims {
            org: org.to_string(),
            price: lock.price.to_string(),
            proration_date: lock.proration_date.timestamp(),
            amount: lock.amount.minor_units(),
            currency: lock.amount.currency().to_string(),
            exp: expires_at.timestamp(),
            aud: AUDIENCE.to_owned(),
        };
        let token =
            encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(self.key()?)).map_err(|_| QuoteError::Invalid)?;
        Ok((token, expires_at))
    }

    /// The quote's promise, when it is ours, unexpired at `now` and for `org`.
    ///
    /// # Errors
    /// [`QuoteError::Invalid`] for a forged, altered or another organization's quote;
    /// [`QuoteError::Expired`] after ten minutes.
    pub fn verify(&self, token: &str, org: &OrgId, now: DateTime<Utc>) -> Result<QuoteLock, QuoteError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against the server's clock, not the library's.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        validation.set_audience(&[AUDIENCE]);
        let claims =
            decode::<QuoteClaims>(token, &DecodingKey::from_secret(self.key()?), &validation).map_err(|_| QuoteError::Invalid)?.claims;
        if claims.org != org.as_str() {
            return Err(QuoteError::Invalid);
        }
        if now.timestamp() >= claims.exp {
            return Err(QuoteError::Expired);
        }
        let price = StripePriceId::parse(claims.price).map_err(|_| QuoteError::Invalid)?;
        let currency = Currency::parse(&claims.currency).map_err(|_| QuoteError::Invalid)?;
        let proration_date = Utc.timestamp_opt(claims.proration_date, 0).single().ok_or(QuoteError::Invalid)?;
        Ok(QuoteLock { price, proration_date, amount: Money::new(claims.amount, currency) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(secret: &str) -> QuoteSigner {
        QuoteSigner::new(Some(&SecretString::from(secret.to_owned())))
    }

    fn lock() -> QuoteLock {
        QuoteLock {
            price: StripePriceId::parse("price_business_monthly").unwrap(),
            proration_date: Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
            amount: Money::new(20_000, Currency::parse("usd").unwrap()),
        }
    }

    fn org(id: &str) -> OrgId {
        OrgId::parse(id).unwrap()
    }

    #[test]
    fn a_quote_round_trips_for_its_organization_within_ten_minutes() {
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let (token, expires_at) = signer("s").sign(&org("org_1"), &lock(), now).unwrap();
        assert_eq!(expires_at, now + Duration::minutes(10));
        assert_eq!(signer("s").verify(&token, &org("org_1"), now + Duration::seconds(599)), Ok(lock()));
        assert_eq!(signer("s").verify(&token, &org("org_1"), now + Duration::seconds(600)), Err(QuoteError::Expired));
    }

    #[test]
    fn another_organizations_or_another_secrets_or_an_altered_quote_is_invalid() {
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let (token, _) = signer("s").sign(&org("org_1"), &lock(), now).unwrap();
        assert_eq!(signer("s").verify(&token, &org("org_2"), now), Err(QuoteError::Invalid));
        assert_eq!(signer("other").verify(&token, &org("org_1"), now), Err(QuoteError::Invalid));
        let mut altered = token.clone().into_bytes();
        let middle = altered.len() / 2;
        altered[middle] = if altered[middle] == b'A' { b'B' } else { b'A' };
        assert_eq!(signer("s").verify(&String::from_utf8(altered).unwrap(), &org("org_1"), now), Err(QuoteError::Invalid));
    }

    #[test]
    fn an_access_token_signed_with_the_jwt_secret_is_not_a_quote() {
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let claims = serde_json::json!({"org": "org_1", "price": "p", "proration_date": 0, "amount": 1, "currency": "usd", "exp": now.timestamp() + 60, "aud": AUDIENCE});
        let raw = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(b"s")).unwrap();
        assert_eq!(signer("s").verify(&raw, &org("org_1"), now), Err(QuoteError::Invalid));
    }
}
