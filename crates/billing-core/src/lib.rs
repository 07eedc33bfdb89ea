//! The billing domain, free of I/O: plans, the subscription state machine, policies and ports.
//!
//! Adapters (Stripe, Postgres, SQLite) implement the traits in [`ports`]; the use cases in
//! [`services`] drive them; [`decide`] is the single pure entry point of the state machine.

pub mod catalog;
pub mod decide;
pub mod effect;
pub mod entitlements;
pub mod ids;
pub mod input;
pub mod invoice;
pub mod money;
pub mod notice;
pub mod offer;
pub mod policy;
pub mod ports;
pub mod proration;
pub mod refund;
pub mod retry;
pub mod services;
pub mod state;
#[cfg(any(test, feature = "mocks"))]
pub mod testing;

pub use catalog::{Catalog, Limit, LimitExceeded, LimitKind, Limits, Plan, Usage};
pub use decide::{decide, due_timers, next_timer_at, Decision, Outcome, Rules, TransitionError};
pub use effect::{AuditCause, AuditEntry, Effect, StripeCall, StripeCommand};
pub use entitlements::{entitlements_at, Entitlements};
pub use ids::*;
pub use input::{Actor, CheckoutCompletion, Command, Input, InvoiceFact, StripeEvent, StripeFact, SubscriptionSnapshot, Timer};
pub use input::{DisputeFact, SchedulePhase, ScheduleSnapshot, ScheduleStatus, UpcomingInvoice};
pub use invoice::{InvoiceStatus, InvoiceSummary};
pub use money::{Currency, Money};
pub use notice::Notice;
pub use policy::Policy;
pub use refund::{ChargeSnapshot, Refund, RefundOrder, RefundReason, RefundStatus};
pub use state::{BillingPeriod, BillingState, BillingStateParts, SubscriptionStatus};
