//! The `Idempotency-Key` as sent: the operation's key, namespaced by the installation's prefix.

use sha2::{Digest, Sha256};

use crate::config::MAX_IDEMPOTENCY_PREFIX_LEN;
use crate::ops::MAX_KEY_LEN;

/// True for a prefix that fits a header value and leaves room for a key: non-empty visible
/// ASCII of at most [`MAX_IDEMPOTENCY_PREFIX_LEN`] bytes.
pub(crate) fn is_valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty() && prefix.len() <= MAX_IDEMPOTENCY_PREFIX_LEN && prefix.bytes().all(|b| b.is_ascii_graphic())
}

/// `<prefix>:<key>`, or `key` unchanged without a prefix.
///
/// A prefixed key that would pass Stripe's limit keeps the prefix and replaces the key by its
/// SHA-256: cutting the key's tail could make two operations share a key, while the hash stays
/// distinct and is the same on every retry. billing-core's keys are short enough never to need it.
pub(crate) fn wire_key(prefix: Option<&str>, key: &str) -> String {
    let Some(prefix) = prefix else {
        return key.to_owned();
    };
    let joined = format!("{prefix}:{key}");
    if joined.len() <= MAX_KEY_LEN {
        return joined;
    }
    format!("{prefix}:{}", hex::encode(Sha256::digest(key.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTALLATION: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn keys_go_out_unchanged_without_a_prefix() {
        assert_eq!(wire_key(None, "billing:upgrade:v3:abc"), "billing:upgrade:v3:abc");
    }

    #[test]
    fn keys_carry_the_prefix_before_a_colon() {
        assert_eq!(wire_key(Some(INSTALLATION), "billing:upgrade:v3:abc"), format!("{INSTALLATION}:billing:upgrade:v3:abc"));
    }

    #[test]
    fn over_long_prefixed_keys_are_hashed_within_the_limit_and_stay_distinct() {
        let long_a = format!("{}a", "k".repeat(250));
        let long_b = format!("{}b", "k".repeat(250));

        let sent_a = wire_key(Some(INSTALLATION), &long_a);
        let sent_b = wire_key(Some(INSTALLATION), &long_b);

        assert!(sent_a.len() <= MAX_KEY_LEN);
        assert!(sent_a.starts_with(&format!("{INSTALLATION}:")));
        assert_ne!(sent_a, sent_b);
        assert_eq!(sent_a, wire_key(Some(INSTALLATION), &long_a));
    }

    #[test]
    fn prefixes_must_be_short_visible_ascii() {
        assert!(is_valid_prefix(INSTALLATION));
        assert!(!is_valid_prefix(""));
        assert!(!is_valid_prefix("has space"));
        assert!(!is_valid_prefix("line\nbreak"));
        assert!(!is_valid_prefix("é"));
        assert!(!is_valid_prefix(&"p".repeat(MAX_IDEMPOTENCY_PREFIX_LEN + 1)));
    }
}
