//! What `billing-server` and `billing-admin` share: the settings both read, and the store, the
//! Stripe client, the plan rules and the organization view built from them. Both binaries act on
//! the same database and Stripe account, so each of these is defined once, here, and a fix to
//! one reaches both.

pub mod config;
pub mod view;

mod catalog;
mod store;
mod stripe;

use billing_core::ports::{BillingRepository, Clock, PaymentProvider, WebhookLedger};

pub use catalog::rules;
pub use store::{open_store, open_store_with};
pub use stripe::{installation_id, stripe_client};

/// The billing state store, behind its port.
pub type Repo = dyn BillingRepository;
/// The webhook ledger, behind its port.
pub type Ledger = dyn WebhookLedger;
/// Stripe, or whatever stands in for it, behind the payment port.
pub type Payments = dyn PaymentProvider;
/// The clock, behind its port.
pub type Clk = dyn Clock;
