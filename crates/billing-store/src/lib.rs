//! The billing store, written once over a SQL dialect, and the row encoding it uses.
//!
//! [`SqlStore`] implements the repository, webhook-ledger and inspection ports for any
//! [`Dialect`]; the Postgres and SQLite crates supply their dialect (how times and lists are
//! stored, how a write transaction begins, and the statements that genuinely differ: claiming,
//! batch inserts) and wrap a `SqlStore` in their public type ([`forward_ports!`]).
//!
//! The domain types of `billing-core` carry no serde derives, so the store translates them
//! through the explicit, exhaustive functions in this crate. Keeping one copy means a new
//! notice kind or audit cause fails to compile here once, rather than drifting between stores.
//! The same goes for the SQL every dialect accepts unchanged ([`sql`]).

mod audit;
mod batch;
mod checks;
mod commit;
mod db;
mod dialect;
mod error;
mod forward;
mod guarded;
mod inspect;
mod installation;
mod ledger;
mod ledger_port;
mod list;
mod notice;
mod outbox;
mod reads;
mod recovery;
mod repository_port;
mod rows;
mod schedule_mark;
pub mod sql;
mod state;
mod store;
mod time;
mod transaction;

pub use audit::{decode_audit, encode_audit, AuditRow, AUDIT_COLUMNS};
pub use commit::stored_version;
pub use db::{Bind, DbFuture, DbQuery, Holds, QueryExt, ReadAs, RowExt, Run, SqlDb};
pub use dialect::{Conn, DbRow, Dialect};
pub use error::{classify, ledger_error, repository_error, state_write_error, CodecError, DbFailure, Unreachable};
pub use guarded::conflict_or_not_found;
pub use inspect::{EventAuditRecord, RowCounts, StoreInspection};
pub use ledger::{
    decode_ledger_entry, first_of_each_id, parse_event_status, record_outcomes, truncate_error, LedgerRow, RecordedAs, DEFAULT_LIST_LIMIT,
    LEDGER_COLUMNS, MAX_ERROR_BYTES, REPLAYABLE,
};
pub use notice::{decode_notice, encode_notice};
pub use rows::{bind_state, claimed_event};
pub use state::{
    decode_state, encode_state, state_assignments, state_placeholders, state_select_list, PaymentColumns, StateRow, STATE_COLUMNS,
};
pub use store::SqlStore;
pub use time::{from_micros, to_micros};
pub use transaction::settle;

/// What [`forward_ports!`] expands to refers to, so a store crate needs no extra dependencies.
#[doc(hidden)]
pub mod __private {
    pub use async_trait::async_trait;
    pub use billing_core::effect::AuditEntry;
    pub use billing_core::ids::{InstallationId, OrgId, PlanId, StripeCustomerId, StripeEventId, StripeSubscriptionId};
    pub use billing_core::ports::{
        Assignment, BatchWrite, BillingRepository, ClaimedEvent, Commit, EventDisposition, Inconsistency, LedgerEntry, LedgerError,
        LedgerFilter, LedgerPayload, NewEvent, OutboxClaim, RecordOutcome, RepositoryError, WebhookLedger,
    };
    pub use billing_core::BillingState;
    pub use chrono::{DateTime, Duration, Utc};

    pub use crate::inspect::{EventAuditRecord, RowCounts, StoreInspection};
}
