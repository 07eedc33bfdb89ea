//! End to end: the real server binary against the Stripe simulator over HTTP, with the
//! simulator's delivery faults switched on where an edge case is about delivery.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod delivery;
mod harness;
mod lifecycle;
mod outage;
