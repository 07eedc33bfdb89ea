//! The three fuzz targets, and running one of them by name.

mod events;
mod signature;
mod token;

use clap::ValueEnum;

pub use events::EventsTarget;
pub use signature::{SignatureInput, SignatureTarget};
pub use token::{base64url, sign, TokenInput, TokenTarget, SECRET as TOKEN_SECRET};

use crate::corpus::Corpus;
use crate::harness::{run, Cases, Report};

/// A target, as named on the command line and in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetName {
    #[value(name = "signature-header")]
    SignatureHeader,
    #[value(name = "event-decoder")]
    EventDecoder,
    #[value(name = "api-token")]
    ApiToken,
}

impl TargetName {
    pub const ALL: [TargetName; 3] = [TargetName::SignatureHeader, TargetName::EventDecoder, TargetName::ApiToken];
}

/// Runs the named target on `cases`, seeding it from `corpus`.
pub fn run_target(name: TargetName, corpus: &Corpus, cases: Cases) -> Report {
    match name {
        TargetName::SignatureHeader => run(&SignatureTarget::new(corpus), cases),
        TargetName::EventDecoder => run(&EventsTarget::new(corpus), cases),
        TargetName::ApiToken => run(&TokenTarget::default(), cases),
    }
}
