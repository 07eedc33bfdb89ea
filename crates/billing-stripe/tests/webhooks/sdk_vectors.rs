//! Vectors made and judged by the official Stripe SDK (`fixtures/stripe/sdk_vectors.json`).

use billing_stripe::{default_tolerance, generate_test_header, verify_signature, WebhookSecret};
use serde_json::Value;

use crate::support::{at, bytes, json};

fn payload_of(vector: &Value) -> Vec<u8> {
    match vector.get("payload_file").and_then(Value::as_str) {
        Some(file) => bytes(file),
        None => vector["payload"].as_str().unwrap().as_bytes().to_vec(),
    }
}

fn sdk_vectors() -> Vec<Value> {
    json("sdk_vectors.json")["vectors"].as_array().unwrap().clone()
}

#[test]
fn the_sdk_vectors_cover_valid_invalid_and_rotation_cases() {
    let vectors = sdk_vectors();

    assert!(vectors.len() >= 40);
    assert!(vectors.iter().any(|v| v["valid"] == false));
    assert!(vectors.iter().any(|v| v["name"].as_str().unwrap().starts_with("rotation")));
}

#[test]
fn the_sdk_vectors_include_valid_signatures_among_malformed_entries() {
    let vectors = sdk_vectors();
    let entries: Vec<&Value> = vectors.iter().filter(|v| v["name"].as_str().unwrap().starts_with("entries-")).collect();

    assert!(entries.iter().filter(|v| v["valid"] == true).count() >= 15);
    assert!(entries.iter().any(|v| v["valid"] == false));
}

#[test]
fn our_verdict_matches_the_sdk_on_every_vector() {
    for vector in sdk_vectors() {
        // Arrange
        let name = vector["name"].as_str().unwrap();
        let t = vector["t"].as_i64().unwrap();
        let secret = WebhookSecret::new(vector["secret"].as_str().unwrap());

        // Act
        let verdict = verify_signature(&payload_of(&vector), vector["header"].as_str(), &[secret], at(t), default_tolerance());

        // Assert
        assert_eq!(verdict.is_ok(), vector["valid"].as_bool().unwrap(), "{name}: {verdict:?}");
    }
}

#[test]
fn our_headers_equal_the_sdk_headers_byte_for_byte() {
    for vector in sdk_vectors().into_iter().filter(|v| v["name"].as_str().unwrap().starts_with("signed-")) {
        let t = vector["t"].as_i64().unwrap();

        let ours = generate_test_header(&payload_of(&vector), vector["secret"].as_str().unwrap(), t);

        assert_eq!(ours, vector["header"].as_str().unwrap(), "{}", vector["name"]);
    }
}
