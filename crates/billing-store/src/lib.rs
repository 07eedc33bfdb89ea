//! Row encoding and SQL shared by the Postgres and SQLite billing stores.
//!
//! The domain types of `billing-core` carry no serde derives, so both stores translate them
//! through the explicit, exhaustive functions in this crate. Keeping one copy means a new
//! notice kind or audit cause fails to compile here once, rather than drifting between stores.
//! The same goes for the SQL both dialects accept unchanged ([`sql`]).

mod audit;
mod batch;
mod error;
mod guarded;
mod inspect;
mod installation;
mod ledger;
mod notice;
mod outbox;
mod reads;
pub mod sql;
mod state;
mod time;
mod transaction;

pub use audit::{decode_audit, encode_audit, AuditRow, AUDIT_COLUMNS};
pub use batch::{write_batch_in, WriteFuture, WriteItem};
pub use error::{classify, ledger_error, repository_error, state_write_error, CodecError, DbFailure, Unreachable};
pub use guarded::{assign_in, conflict_or_not_found, finish_event_in, lease_lost_or_not_found, replay_in};
pub use inspect::{EventAuditRecord, RowCounts, StoreInspection};
pub use installation::ensure_installation_in;
pub use ledger::{
    decode_ledger_entry, first_of_each_id, parse_event_status, record_outcomes, truncate_error, LedgerRow, RecordedAs, DEFAULT_LIST_LIMIT,
    LEDGER_COLUMNS, MAX_ERROR_BYTES, REPLAYABLE,
};
pub use notice::{decode_notice, encode_notice};
pub use outbox::sort_claimed_outbox;
pub use reads::{count_in, event_ids_in, org_by_key_in, org_of, row_counts_in};
pub use state::{
    decode_state, encode_state, state_assignments, state_placeholders, state_select_list, PaymentColumns, StateRow, STATE_COLUMNS,
};
pub use time::{from_micros, to_micros};
pub use transaction::settle;
