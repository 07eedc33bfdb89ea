//! Parsing of the `Stripe-Signature` header, as lenient as Stripe's official libraries.
//!
//! stripe-python and stripe-node split the header on `,`, split each entry on `=` and keep the
//! first two pieces as key and value, skip what they do not understand, collect every `v1` and
//! take `t`. A header that one of them accepts must not be refused here: Stripe may add entries,
//! and proxies may append a trailing comma. This parser therefore ignores every malformed entry
//! and only fails when no usable `t` or no usable `v1` is left.

use super::SignatureError;

/// A parsed `Stripe-Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    pub timestamp: i64,
    /// Every well-formed `v1` value, decoded from hex (32 bytes each).
    pub v1: Vec<Vec<u8>>,
}

/// What the entries of one header held, before deciding whether it is usable.
#[derive(Debug, Default)]
struct Entries {
    /// Whether any entry had the `key=value` form at all.
    any_pair: bool,
    /// Whether any `t` entry was present, parseable or not.
    any_t: bool,
    /// The first parseable `t`.
    timestamp: Option<i64>,
    /// Whether any `v1` entry was present, well-formed or not.
    any_v1: bool,
    v1: Vec<Vec<u8>>,
}

impl Entries {
    fn add(&mut self, entry: &str) {
        // Like the SDKs, the value ends at the next `=`, so `v1=<hex>=x` still carries `<hex>`.
        let mut pieces = entry.trim().split('=');
        let (Some(key), Some(value)) = (pieces.next(), pieces.next()) else {
            return;
        };
        self.any_pair = true;
        match key {
            "t" => {
                self.any_t = true;
                // The first parseable `t` wins, as in stripe-python; the signature covers it, so
                // a later one cannot move an old delivery into the tolerance window.
                if self.timestamp.is_none() {
                    self.timestamp = value.trim().parse::<i64>().ok();
                }
            }
            "v1" => {
                self.any_v1 = true;
                self.v1.extend(decode_signature(value));
            }
            _ => {}
        }
    }

    fn finish(self) -> Result<SignatureHeader, SignatureError> {
        let timestamp = match self.timestamp {
            Some(timestamp) => timestamp,
            None if self.any_t || !self.any_pair => return Err(SignatureError::MalformedHeader),
            None => return Err(SignatureError::NoTimestamp),
        };
        if self.v1.is_empty() {
            return Err(if self.any_v1 { SignatureError::BadHex } else { SignatureError::NoV1Signature });
        }
        Ok(SignatureHeader { timestamp, v1: self.v1 })
    }
}

/// Parses `t=…,v1=…[,v1=…]` the way Stripe's official libraries do.
///
/// The header is split on `,` and each entry (trimmed) on `=`, keeping the key and the text up
/// to the next `=`. Entries without `=`, empty entries, unknown keys, `t` values that are not
/// integers and `v1` values that are not 64 hex digits are ignored. The first integer `t` is the
/// timestamp; every well-formed `v1` is kept.
///
/// # Errors
/// [`SignatureError::MissingHeader`] for a blank header; [`SignatureError::MalformedHeader`] when
/// no entry has the `key=value` form or no `t` is an integer; [`SignatureError::NoTimestamp`]
/// without any `t`; [`SignatureError::BadHex`] when every `v1` is malformed;
/// [`SignatureError::NoV1Signature`] without any `v1`.
pub fn parse_signature_header(raw: &str) -> Result<SignatureHeader, SignatureError> {
    if raw.trim().is_empty() {
        return Err(SignatureError::MissingHeader);
    }
    let mut entries = Entries::default();
    for entry in raw.split(',') {
        entries.add(entry);
    }
    entries.finish()
}

/// A `v1` value as the 32 bytes of an HMAC-SHA256, or `None` when it cannot be one.
fn decode_signature(hex_text: &str) -> Option<Vec<u8>> {
    hex::decode(hex_text).ok().filter(|bytes| bytes.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(digit: char) -> String {
        digit.to_string().repeat(64)
    }

    #[test]
    fn headers_keep_every_v1_and_ignore_other_schemes() {
        let (a, b) = (sig('a'), sig('b'));

        let parsed = parse_signature_header(&format!("t=12, v1={a},v0={b},v9=zz,v1={b}")).unwrap();

        assert_eq!(parsed.timestamp, 12);
        assert_eq!(parsed.v1, vec![vec![0xaa; 32], vec![0xbb; 32]]);
    }

    #[test]
    fn malformed_entries_are_skipped_and_the_rest_is_kept() {
        let c = sig('c');

        let parsed = parse_signature_header(&format!(",t=abc,junk,,t=7,v1=zz,v1={c}=x,t=8,=,v1=abcd,")).unwrap();

        assert_eq!(parsed, SignatureHeader { timestamp: 7, v1: vec![vec![0xcc; 32]] });
    }

    #[test]
    fn headers_without_a_usable_part_name_the_missing_part() {
        let c = sig('c');
        assert_eq!(parse_signature_header(" "), Err(SignatureError::MissingHeader));
        assert_eq!(parse_signature_header("garbage,,"), Err(SignatureError::MalformedHeader));
        assert_eq!(parse_signature_header(&format!("t=abc,v1={c}")), Err(SignatureError::MalformedHeader));
        assert_eq!(parse_signature_header(&format!("t=,v1={c}")), Err(SignatureError::MalformedHeader));
        assert_eq!(parse_signature_header(&format!("v1={c},x=1")), Err(SignatureError::NoTimestamp));
        assert_eq!(parse_signature_header("t=1,v1=xyz,v1=abcd"), Err(SignatureError::BadHex));
        assert_eq!(parse_signature_header(&format!("t=1,v0={c}")), Err(SignatureError::NoV1Signature));
    }
}
