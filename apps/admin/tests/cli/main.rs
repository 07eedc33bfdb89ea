//! The operator commands against a real embedded store, with Stripe mocked by wiremock.
#![allow(clippy::unwrap_used)]

mod binary;
mod events;
mod helpers;
mod monitor;
mod orgs;
