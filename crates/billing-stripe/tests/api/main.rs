//! The Stripe client against wiremock: every operation's request (method, path, form, headers)
//! and response mapping, and the transport's retry, timeout and error behaviour, including
//! error responses whose bodies are not JSON or cannot be read at all.

#![allow(clippy::unwrap_used)]

mod charges;
mod checkout;
mod customers;
mod events;
mod idempotency;
mod invoices;
mod matrix;
mod price_changes;
mod refunds;
mod schedules;
mod subscriptions;
mod support;
mod transport;
mod unreadable;
