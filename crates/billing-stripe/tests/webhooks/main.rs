//! Webhooks: signature verification (fixture vectors, the official SDK's vectors, boundaries,
//! rotation, malformed header entries, properties) and decoding every fixture event into
//! billing-core inputs.

#![allow(clippy::unwrap_used)]

mod decoding;
mod entries;
mod informing;
mod properties;
mod sdk_vectors;
mod signatures;
mod support;
