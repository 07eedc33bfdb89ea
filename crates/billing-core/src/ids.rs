//! Identifier newtypes, so an organization id can never be passed where a Stripe id is expected.

use std::fmt;

/// Why a string was refused as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} must not be empty")]
    Empty { kind: &'static str },
    #[error("{kind} is longer than {max} characters")]
    TooLong { kind: &'static str, max: usize },
    #[error("{kind} must start with `{prefix}`")]
    WrongPrefix { kind: &'static str, prefix: &'static str },
    #[error("{kind} may only contain letters, digits, `_`, `-`, `.` and `:`")]
    BadCharacter { kind: &'static str },
}

/// Longest identifier we accept; Stripe documents 255 for idempotency keys and ids are far shorter.
const MAX_ID_LEN: usize = 255;

fn check(kind: &'static str, prefix: &'static str, raw: &str) -> Result<(), IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if raw.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { kind, max: MAX_ID_LEN });
    }
    if !raw.starts_with(prefix) {
        return Err(IdError::WrongPrefix { kind, prefix });
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':');
    if !raw.chars().all(allowed) {
        return Err(IdError::BadCharacter { kind });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps a raw identifier.
            ///
            /// # Errors
            /// Returns [`IdError`] when the value is empty, too long, lacks the expected
            /// prefix or contains characters no such identifier uses.
            pub fn parse(raw: impl Into<String>) -> Result<Self, IdError> {
                let raw = raw.into();
                check($kind, $prefix, &raw)?;
                Ok(Self(raw))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

id_type!(
    /// The host application's identifier of an organization (tenant).
    OrgId, "organization id", ""
);
id_type!(
    /// A plan's identifier in our catalog (`free`, `team`, ...).
    PlanId, "plan id", ""
);
id_type!(
    /// A Stripe customer, `cus_...`.
    StripeCustomerId, "Stripe customer id", "cus_"
);
id_type!(
    /// A Stripe subscription, `sub_...`.
    StripeSubscriptionId, "Stripe subscription id", "sub_"
);
id_type!(
    /// A Stripe price. Prices may carry custom ids, so no prefix is required.
    StripePriceId, "Stripe price id", ""
);
id_type!(
    /// A Stripe event, `evt_...`.
    StripeEventId, "Stripe event id", "evt_"
);
id_type!(
    /// A Stripe Checkout session, `cs_...`.
    CheckoutSessionId, "Checkout session id", "cs_"
);
id_type!(
    /// A Stripe invoice, `in_...`.
    StripeInvoiceId, "Stripe invoice id", "in_"
);
id_type!(
    /// A Stripe subscription schedule, `sub_sched_...`.
    StripeScheduleId, "Stripe subscription schedule id", "sub_sched_"
);
id_type!(
    /// A Stripe charge: `ch_...`, or `py_...` for some payment methods, so no prefix is required.
    StripeChargeId, "Stripe charge id", ""
);
id_type!(
    /// A Stripe dispute (chargeback): `dp_...`, or `du_...` for some payment methods.
    StripeDisputeId, "Stripe dispute id", ""
);

/// The `Idempotency-Key` sent with one logical Stripe operation, reused on every retry of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Builds a key from the operation name, the organization and the state version the
    /// operation was decided on, so re-running the same decision reuses the same key.
    ///
    /// The organization, version and detail are hashed rather than concatenated: a long
    /// organization id can then never push the version out of Stripe's 255-byte limit, which
    /// would make two different decisions share a key. Adapters prefix the installation's id so
    /// keys of two databases on one Stripe account never meet.
    pub fn for_operation(operation: &str, org: &OrgId, version: u64, detail: &str) -> Self {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for part in [org.as_str().as_bytes(), version.to_string().as_bytes(), detail.as_bytes()] {
            // Length-prefixed parts, so ("ab", "c") and ("a", "bc") differ.
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        let operation: String = operation.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(MAX_OPERATION_LEN).collect();
        Self(format!("billing:{operation}:v{version}:{}", hex(&hasher.finalize())))
    }

    /// Builds the key of a request that must reach Stripe once whatever the state version, such
    /// as a refund: the same operation on the same organization with the same `detail` (every
    /// parameter of the request) always gets the same key, so a command run again after a crash,
    /// or a commit retried after a concurrent change, replays the first request instead of
    /// repeating it. Stripe forgets keys after about a day.
    pub fn for_request(operation: &str, org: &OrgId, detail: &str) -> Self {
        let versioned = Self::for_operation(operation, org, 0, detail);
        Self(versioned.0.replacen(":v0:", ":once:", 1))
    }

    /// The key as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Longest operation name kept in a key; operations are short constant names.
const MAX_OPERATION_LEN: usize = 40;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

id_type!(
    /// This installation's random identity, created in the database on first start. It
    /// namespaces idempotency keys, so a database reset or a second environment on the same
    /// Stripe account never replays another's requests.
    InstallationId, "installation id", ""
);

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

id_type!(
    /// A Stripe refund, `re_...`.
    StripeRefundId, "Stripe refund id", "re_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_keys_ignore_the_version_and_differ_by_detail() {
        let org = OrgId::parse("org_1").unwrap();
        let a = IdempotencyKey::for_request("refund", &org, "ch_1 full");
        assert_eq!(a, IdempotencyKey::for_request("refund", &org, "ch_1 full"));
        assert_ne!(a, IdempotencyKey::for_request("refund", &org, "ch_1 500 usd"));
        assert!(a.as_str().starts_with("billing:refund:once:"), "{a}");
        assert!(StripeChargeId::parse("ch_1").is_ok() && StripeChargeId::parse("py_1").is_ok());
        assert!(StripeRefundId::parse("re_1").is_ok() && StripeRefundId::parse("ch_1").is_err());
    }

    #[test]
    fn stripe_ids_require_their_prefix() {
        assert!(StripeCustomerId::parse("cus_123").is_ok());
        assert_eq!(StripeCustomerId::parse("sub_123"), Err(IdError::WrongPrefix { kind: "Stripe customer id", prefix: "cus_" }));
        assert!(StripeEventId::parse("evt_1").is_ok());
        assert!(CheckoutSessionId::parse("cs_test_a1").is_ok());
    }

    #[test]
    fn empty_long_and_odd_ids_are_rejected() {
        assert!(matches!(OrgId::parse(""), Err(IdError::Empty { .. })));
        assert!(matches!(OrgId::parse("a".repeat(256)), Err(IdError::TooLong { .. })));
        assert!(matches!(OrgId::parse("org 42"), Err(IdError::BadCharacter { .. })));
        assert!(OrgId::parse("org_42").is_ok());
    }

    #[test]
    fn idempotency_keys_are_stable_for_one_decision_and_bounded() {
        let org = OrgId::parse("org_1").unwrap();
        let a = IdempotencyKey::for_operation("checkout", &org, 3, "team");
        let b = IdempotencyKey::for_operation("checkout", &org, 3, "team");
        let c = IdempotencyKey::for_operation("checkout", &org, 4, "team");
        assert_eq!(a, b);
        assert_ne!(a, c);
        let long = IdempotencyKey::for_operation("x", &org, 1, &"d".repeat(400));
        assert!(long.as_str().len() <= 255);
    }

    #[test]
    fn keys_of_long_organization_ids_still_differ_by_version_and_detail() {
        let org = OrgId::parse("o".repeat(255)).unwrap();
        let v1 = IdempotencyKey::for_operation("upgrade", &org, 1, "team");
        let v2 = IdempotencyKey::for_operation("upgrade", &org, 2, "team");
        let other = IdempotencyKey::for_operation("upgrade", &org, 1, "enterprise");
        assert_ne!(v1, v2);
        assert_ne!(v1, other);
        assert!(v1.as_str().len() <= 255 - 64, "room is left for an installation prefix: {}", v1.as_str().len());
    }

    #[test]
    fn key_parts_cannot_be_shifted_into_each_other() {
        let a = IdempotencyKey::for_operation("op", &OrgId::parse("org_1").unwrap(), 1, "1");
        let b = IdempotencyKey::for_operation("op", &OrgId::parse("org_11").unwrap(), 1, "");
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("billing:op:v1:"));
    }

    #[test]
    fn keys_name_their_operation_and_print_as_sent() {
        let key = IdempotencyKey::for_operation("cancel_at_period_end", &OrgId::parse("org_1").unwrap(), 4, "true");
        assert!(key.as_str().starts_with("billing:cancel_at_period_end:v4:"), "{key}");
        assert_eq!(key.to_string(), key.as_str());
        let odd = IdempotencyKey::for_operation("a b:c", &OrgId::parse("org_1").unwrap(), 4, "");
        assert!(odd.as_str().starts_with("billing:abc:v4:"), "only letters, digits and `_` name an operation: {odd}");
    }
}
