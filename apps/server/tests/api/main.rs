//! Black-box tests of the billing server: the real app on a random port, against both stores.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod billing;
mod checkout;
mod demo;
mod drift;
mod helpers;
mod informing;
mod instances;
mod invoices;
mod notices;
mod operations;
mod pages;
mod plans;
mod portal;
mod probes;
mod receiver;
mod sessions;
mod slow_clients;
mod slow_processing;
mod stripe;
mod webhook_limits;
mod webhooks;
mod worker_panics;
