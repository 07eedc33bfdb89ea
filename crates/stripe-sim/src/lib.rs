//! A simulator of the subset of Stripe's v1 API the billing service calls, for tests and demos.
//!
//! [`Simulator::start`] binds an actix-web server on `127.0.0.1:0` and returns a [`SimHandle`]
//! with its base URL; the `stripe-sim` binary serves the same app on a chosen loopback port.
//! Everything lives in memory behind one mutex; time is the wall clock plus an offset that the
//! test helpers advance. `docs/simulator.md` lists what is simulated and where it differs.

mod billing_cycle;
mod clock;
mod config;
mod delivery;
mod error;
mod form;
mod idempotency;
mod ids;
mod pages;
mod payments;
mod render;
mod routes;
mod schedule;
mod server;
mod state;
mod templates;
mod webhooks;

pub use clock::SimClock;
pub use config::{AfterRetries, Dunning, PriceConfig, SimConfig};
pub use error::ApiError;
pub use server::{SimHandle, Simulator, StartError};
pub use webhooks::Faults;
