//! The ports: traits the use cases need from the outside world, implemented by adapters.
//!
//! Adapters are shared with `Arc`, so no port requires `Clone`; with the `mocks` feature each
//! trait has a mockall `Mock*` twin for other crates' tests.

mod clock;
mod decoder;
mod ledger;
mod notifier;
mod payment;
mod repository;

pub use clock::{Clock, ManualClock, SystemClock};
pub use decoder::{DecodeError, DecodedEvent, EventDecoder};
pub use ledger::{
    Assignment, ClaimedEvent, EventStatus, LedgerEntry, LedgerError, LedgerFilter, LedgerPayload, NewEvent, RecordOutcome,
    UnknownEventStatus, WebhookLedger,
};
pub use notifier::{Notifier, NotifyError};
pub use payment::{
    CheckoutRequest, CheckoutSession, CheckoutSessionInfo, PaymentError, PaymentProvider, PortalSession, PriceChange, ProrationPreview,
    RefundRequest, ScheduledDowngrade,
};
pub use repository::{
    BatchWrite, BillingRepository, Commit, EventDisposition, EventDone, Inconsistency, InconsistencyKind, OutboxClaim, OutboxItem,
    RepositoryError, UndecodableNotice,
};

#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use decoder::MockEventDecoder;
#[cfg(any(test, feature = "mocks"))]
pub use ledger::MockWebhookLedger;
#[cfg(any(test, feature = "mocks"))]
pub use notifier::MockNotifier;
#[cfg(any(test, feature = "mocks"))]
pub use payment::MockPaymentProvider;
#[cfg(any(test, feature = "mocks"))]
pub use repository::MockBillingRepository;
