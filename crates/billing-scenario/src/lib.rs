//! Scripted customer journeys over HTTP: the billing server's JSON API on one side, the Stripe
//! simulator's test helpers on the other.
//!
//! The demo (`billing-demo`) prints the [`Lifecycle`]'s steps; the server's end-to-end suite runs
//! the same steps against the real binary, so what the demo shows is what CI checks.

mod api;
mod error;
mod lifecycle;
mod sim;
mod snapshot;

pub use api::{Quote, ServerApi};
pub use error::ScenarioError;
pub use lifecycle::{Lifecycle, Step};
pub use sim::{DeliveryFaults, SimApi, TestCard};
pub use snapshot::{Money, Notice, Payment, ScheduledChange, Snapshot};
