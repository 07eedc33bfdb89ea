//! Fixture loading for the webhook tests.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The event fixture files.
pub const EVENT_FILES: [&str; 10] = [
    "charge.refunded.json",
    "checkout.session.completed.json",
    "customer.subscription.created.json",
    "customer.subscription.deleted.json",
    "customer.subscription.updated.cancel_at_period_end.json",
    "customer.subscription.updated.plan_change.json",
    "invoice.created.json",
    "invoice.paid.json",
    "invoice.payment_failed.json",
    "invoice.payment_succeeded.json",
];

pub fn fixture_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stripe").join(file)
}

/// A fixture's exact bytes.
pub fn bytes(file: &str) -> Vec<u8> {
    std::fs::read(fixture_path(file)).unwrap()
}

pub fn json(file: &str) -> Value {
    serde_json::from_slice(&bytes(file)).unwrap()
}

pub fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}
