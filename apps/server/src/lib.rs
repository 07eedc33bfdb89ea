//! The billing server: configuration, HTTP API, billing pages, Stripe webhook endpoint and
//! background workers.

pub mod adapters;
pub mod auth;
pub mod body_deadline;
pub mod client_ip;
pub mod config;
pub mod demo;
pub mod drift;
pub mod dto;
pub mod error;
pub mod group_commit;
pub mod limiter;
pub mod metrics;
pub mod notifier;
pub mod pages;
pub mod quote;
pub mod readiness;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workers;
