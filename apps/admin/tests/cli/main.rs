//! The operator commands against a real Postgres store, with Stripe mocked by wiremock.
#![allow(clippy::unwrap_used)]

mod binary;
mod consistency;
mod events;
mod helpers;
mod monitor;
mod orgs;
mod payments;
mod sweep;
