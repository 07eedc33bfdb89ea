//! A fuzz harness for the stable toolchain: deterministic random and mutated inputs for the
//! code that reads what the outside world sends, each case run under `catch_unwind`.
//!
//! - `signature-header`: [`billing_stripe::parse_signature_header`] and
//!   [`billing_stripe::verify_signature`] on random headers, mutated valid headers and valid
//!   headers padded with junk entries (which must still verify).
//! - `event-decoder`: [`billing_stripe::parse_envelope`] and [`billing_stripe::StripeEventDecoder`]
//!   on random bytes and on the event fixtures mutated byte by byte or node by node.
//! - `api-token`: the server's `TokenAuthority::verify` and `refresh` on random text, mutated
//!   tokens and tokens signed with its secret around headers and claims of the wrong shape.
//!
//! Every case's input depends only on the seed, the target and the case index, so a finding is
//! replayed with `--seed S --target T --case I`.

pub mod corpus;
pub mod harness;
pub mod json;
pub mod mutate;
pub mod targets;

pub use corpus::Corpus;
pub use harness::{run, Cases, Finding, Report, Target};
pub use targets::{run_target, TargetName};
