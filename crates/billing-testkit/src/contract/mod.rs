//! The port contract suite: each test is written once, generic over the store, and every store
//! crate runs all of them through [`crate::contract_tests!`].
//!
//! Times are explicit ("now" is an argument everywhere), so lease expiry and backoff are tested
//! by moving "now" rather than by sleeping.
#![allow(clippy::unwrap_used)]

mod adoption;
mod batches;
mod checkout;
mod claims;
mod commits;
mod dead_letters;
mod group_intake;
mod installation;
mod intake;
mod invoices;
mod listing;
mod monitoring;
mod operator;
mod repository;
mod retries;

pub use adoption::*;
pub use batches::*;
pub use checkout::*;
pub use claims::*;
pub use commits::*;
pub use dead_letters::*;
pub use group_intake::*;
pub use installation::*;
pub use intake::*;
pub use invoices::*;
pub use listing::*;
pub use monitoring::*;
pub use operator::*;
pub use repository::*;
pub use retries::*;

use billing_core::ports::{BillingRepository, WebhookLedger};
use billing_store::StoreInspection;
use chrono::Duration;

/// Everything a store under test implements.
pub trait Store: BillingRepository + WebhookLedger + StoreInspection {}

impl<T: BillingRepository + WebhookLedger + StoreInspection> Store for T {}

/// A lease that outlives a test unless the test moves "now" past it.
pub fn lease() -> Duration {
    Duration::seconds(60)
}

/// The catalog's free plan, which new organizations start on.
pub fn free() -> billing_core::ids::PlanId {
    crate::fixtures::plan("free")
}
