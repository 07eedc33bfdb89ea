//! The billing pages in headless Chromium, driven through WebDriver: the real server in demo
//! mode on the in-process Stripe simulator, a chromedriver started per test on a free loopback
//! port, and a screenshot of each page state under `target/pages-screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod billing_states;
mod browser;
mod demo;
mod embedded;
mod errors;
mod feedback;
mod keyboard;
mod plan_change;
mod subscribe;
