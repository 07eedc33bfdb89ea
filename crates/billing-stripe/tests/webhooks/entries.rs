//! Headers that carry a valid signature among malformed or unknown entries, as Stripe's official
//! libraries read them: malformed entries are ignored, not fatal.

use billing_stripe::{default_tolerance, verify_signature, SignatureError, VerifiedSignature, WebhookSecret};

use crate::support::{at, bytes, json};

const FILE: &str = "invoice.paid.json";

/// The fixture delivery: the secret, `t` and the hex `v1` signed for [`FILE`].
struct Delivery {
    secret: [WebhookSecret; 1],
    t: i64,
    sig: String,
}

fn delivery() -> Delivery {
    let raw = json("signatures.json");
    let entry = &raw["vectors"][FILE];
    let header = entry["header"].as_str().unwrap();
    let sig = header.split_once(",v1=").unwrap().1.to_owned();
    Delivery { secret: [WebhookSecret::new(raw["secret"].as_str().unwrap())], t: entry["t"].as_i64().unwrap(), sig }
}

impl Delivery {
    /// The verdict on the fixture body under `header`, judged at the signed `t`.
    fn verify(&self, header: &str) -> Result<VerifiedSignature, SignatureError> {
        self.verify_at(header, self.t)
    }

    fn verify_at(&self, header: &str, now: i64) -> Result<VerifiedSignature, SignatureError> {
        verify_signature(&bytes(FILE), Some(header), &self.secret, at(now), default_tolerance())
    }

    fn accepted(&self) -> Result<VerifiedSignature, SignatureError> {
        Ok(VerifiedSignature { secret_index: 0, timestamp: self.t })
    }
}

#[test]
fn a_valid_v1_next_to_a_malformed_v1_verifies() {
    let d = delivery();
    for malformed in ["v1=not-hex", "v1=abcd", "v1=", &format!("v1={}00", d.sig)] {
        let before = format!("t={},{malformed},v1={}", d.t, d.sig);
        let after = format!("t={},v1={},{malformed}", d.t, d.sig);

        assert_eq!(d.verify(&before), d.accepted(), "{before}");
        assert_eq!(d.verify(&after), d.accepted(), "{after}");
    }
}

#[test]
fn a_header_with_a_trailing_comma_verifies() {
    let d = delivery();

    assert_eq!(d.verify(&format!("t={},v1={},", d.t, d.sig)), d.accepted());
}

#[test]
fn a_header_with_empty_entries_verifies() {
    let d = delivery();
    for header in [format!("t={},,v1={}", d.t, d.sig), format!(",t={},v1={}", d.t, d.sig), format!(",,t={},,,v1={},,", d.t, d.sig)] {
        assert_eq!(d.verify(&header), d.accepted(), "{header}");
    }
}

#[test]
fn a_header_with_junk_keys_and_entries_without_equals_verifies() {
    let d = delivery();
    let header = format!("junk,t={},foo=bar,=,=value,ü=✓,v0=zz,v0,v1={},x=,trailing junk", d.t, d.sig);

    assert_eq!(d.verify(&header), d.accepted());
}

#[test]
fn a_v1_value_ends_at_a_second_equals_sign_as_in_the_sdks() {
    let d = delivery();

    assert_eq!(d.verify(&format!("t={}=9,v1={}=extra", d.t, d.sig)), d.accepted());
}

#[test]
fn the_first_integer_t_of_a_repeated_t_is_the_signed_one() {
    let d = delivery();

    let first_signed = d.verify(&format!("t={},t={},v1={}", d.t, d.t + 1, d.sig));
    let second_signed = d.verify(&format!("t={},t={},v1={}", d.t + 1, d.t, d.sig));

    assert_eq!(first_signed, d.accepted());
    assert_eq!(second_signed, Err(SignatureError::NoMatchingSignature));
}

#[test]
fn a_malformed_t_before_the_integer_one_is_skipped() {
    // stripe-python refuses this header because it reads only the first `t`; skipping a malformed
    // entry is safe because the signature still has to cover the `t` that is used.
    let d = delivery();

    assert_eq!(d.verify(&format!("t=abc,t=,t={},v1={}", d.t, d.sig)), d.accepted());
}

#[test]
fn a_fresh_t_appended_to_a_stale_delivery_does_not_make_it_fresh() {
    let d = delivery();
    let now = d.t + 3_600;

    let verified = d.verify_at(&format!("t={},v1={},t={now}", d.t, d.sig), now);

    assert_eq!(verified, Err(SignatureError::TimestampOutsideTolerance { t: d.t, now }));
}

#[test]
fn padding_uppercase_hex_and_bare_keys_stay_accepted() {
    // The SDKs compare exact lowercase text and would refuse these; the bytes signed are the same,
    // so accepting them lets through nothing that was not signed with the secret.
    let d = delivery();
    let headers =
        [format!(" t={} , v1={} ", d.t, d.sig), format!("t={},v1={}", d.t, d.sig.to_uppercase()), format!("t,v1,t={},v1={}", d.t, d.sig)];

    for header in headers {
        assert_eq!(d.verify(&header), d.accepted(), "{header}");
    }
}

#[test]
fn junk_without_a_usable_t_or_v1_is_still_rejected_by_name() {
    let d = delivery();
    let cases = [
        (",,,".to_owned(), SignatureError::MalformedHeader),
        (format!("t=abc,t=,v1={}", d.sig), SignatureError::MalformedHeader),
        (format!("junk,x=1,v1={}", d.sig), SignatureError::NoTimestamp),
        (format!("t={},v1=zz,v1=abcd,", d.t), SignatureError::BadHex),
        (format!("t={},,v0={},", d.t, d.sig), SignatureError::NoV1Signature),
    ];

    for (header, expected) in cases {
        assert_eq!(d.verify(&header), Err(expected), "{header}");
    }
}
