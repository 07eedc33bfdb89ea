use billing_stripe::{default_tolerance, generate_test_header, verify_signature, SignatureError, VerifiedSignature, WebhookSecret};
use chrono::Duration;

use crate::support::{at, bytes, json, EVENT_FILES};

struct Vectors {
    /// The fixture secret, as a one-element list of accepted secrets.
    secret: [WebhookSecret; 1],
    old_secret: [WebhookSecret; 1],
    raw: serde_json::Value,
}

fn vectors() -> Vectors {
    let raw = json("signatures.json");
    Vectors {
        secret: [WebhookSecret::new(raw["secret"].as_str().unwrap())],
        old_secret: [WebhookSecret::new(raw["old_secret"].as_str().unwrap())],
        raw,
    }
}

fn vector(v: &Vectors, file: &str) -> (i64, String) {
    let entry = &v.raw["vectors"][file];
    (entry["t"].as_i64().unwrap(), entry["header"].as_str().unwrap().to_owned())
}

#[test]
fn every_fixture_vector_verifies_at_its_own_timestamp() {
    let v = vectors();
    for file in EVENT_FILES {
        // Arrange
        let (t, header) = vector(&v, file);

        // Act
        let verified = verify_signature(&bytes(file), Some(&header), &v.secret, at(t), default_tolerance());

        // Assert
        assert_eq!(verified, Ok(VerifiedSignature { secret_index: 0, timestamp: t }), "{file}");
    }
}

#[test]
fn our_generated_headers_equal_the_fixture_headers() {
    let v = vectors();
    let secret = v.raw["secret"].as_str().unwrap();
    for file in EVENT_FILES {
        let (t, header) = vector(&v, file);

        assert_eq!(generate_test_header(&bytes(file), secret, t), header, "{file}");
    }
}

#[test]
fn a_delivery_with_one_byte_changed_is_rejected() {
    let v = vectors();
    let (t, header) = vector(&v, "invoice.paid.json");
    let mut body = bytes("invoice.paid.json");
    for index in [0, body.len() / 2, body.len() - 1] {
        // Arrange
        body[index] ^= 0x01;

        // Act
        let verified = verify_signature(&body, Some(&header), &v.secret, at(t), default_tolerance());

        // Assert
        assert_eq!(verified, Err(SignatureError::NoMatchingSignature), "byte {index}");
        body[index] ^= 0x01;
    }
}

#[test]
fn timestamps_exactly_at_the_tolerance_are_accepted() {
    let v = vectors();
    let (t, header) = vector(&v, "charge.refunded.json");
    let body = bytes("charge.refunded.json");

    for now in [t + 300, t - 300, t + 299] {
        assert!(verify_signature(&body, Some(&header), &v.secret, at(now), default_tolerance()).is_ok(), "now = t{:+}", now - t);
    }
}

#[test]
fn webhook_with_stale_or_future_timestamp_is_rejected() {
    let v = vectors();
    let (t, header) = vector(&v, "charge.refunded.json");
    let body = bytes("charge.refunded.json");

    for now in [t + 301, t - 301] {
        let verified = verify_signature(&body, Some(&header), &v.secret, at(now), default_tolerance());

        assert_eq!(verified, Err(SignatureError::TimestampOutsideTolerance { t, now }));
    }
}

#[test]
fn a_custom_tolerance_is_honoured() {
    let v = vectors();
    let (t, header) = vector(&v, "charge.refunded.json");
    let body = bytes("charge.refunded.json");

    let strict = verify_signature(&body, Some(&header), &v.secret, at(t + 11), Duration::seconds(10));
    let loose = verify_signature(&body, Some(&header), &v.secret, at(t + 3_600), Duration::hours(2));

    assert!(matches!(strict, Err(SignatureError::TimestampOutsideTolerance { .. })));
    assert!(loose.is_ok());
}

#[test]
fn during_rotation_either_secret_verifies_and_the_match_is_reported() {
    // Arrange
    let v = vectors();
    let rotation = &v.raw["rotation_example"];
    let body = bytes(rotation["file"].as_str().unwrap());
    let header = rotation["header"].as_str().unwrap();
    let t = rotation["t"].as_i64().unwrap();
    let unrelated = WebhookSecret::new("whsec_unrelated");

    // Act
    let new_only = verify_signature(&body, Some(header), &v.secret, at(t), default_tolerance());
    let old_only = verify_signature(&body, Some(header), &v.old_secret, at(t), default_tolerance());
    let old_second = verify_signature(&body, Some(header), &[unrelated.clone(), v.old_secret[0].clone()], at(t), default_tolerance());
    let neither = verify_signature(&body, Some(header), &[unrelated], at(t), default_tolerance());

    // Assert
    assert_eq!(new_only.map(|s| s.secret_index), Ok(0));
    assert_eq!(old_only.map(|s| s.secret_index), Ok(0));
    assert_eq!(old_second.map(|s| s.secret_index), Ok(1));
    assert_eq!(neither, Err(SignatureError::NoMatchingSignature));
}

#[test]
fn a_header_with_only_v0_is_rejected() {
    let v = vectors();
    let (t, header) = vector(&v, "invoice.paid.json");
    let v0_only = header.replace("v1=", "v0=");

    let verified = verify_signature(&bytes("invoice.paid.json"), Some(&v0_only), &v.secret, at(t), default_tolerance());

    assert_eq!(verified, Err(SignatureError::NoV1Signature));
}

#[test]
fn missing_and_malformed_headers_are_rejected_by_name() {
    let v = vectors();
    let body = bytes("invoice.paid.json");
    let secrets = v.secret.clone();
    let check = |header: Option<&str>| verify_signature(&body, header, &secrets, at(1_788_687_674), default_tolerance());

    assert_eq!(check(None), Err(SignatureError::MissingHeader));
    assert_eq!(check(Some("")), Err(SignatureError::MissingHeader));
    assert_eq!(check(Some("garbage")), Err(SignatureError::MalformedHeader));
    assert_eq!(check(Some(&format!("v1={}", "0".repeat(64)))), Err(SignatureError::NoTimestamp));
    assert_eq!(check(Some("t=1788687674,v1=not-hex")), Err(SignatureError::BadHex));
}

#[test]
fn verification_without_any_secret_fails_closed() {
    let v = vectors();
    let (t, header) = vector(&v, "invoice.paid.json");

    let verified = verify_signature(&bytes("invoice.paid.json"), Some(&header), &[], at(t), default_tolerance());

    assert_eq!(verified, Err(SignatureError::NoSecrets));
}
