//! Binding and reading the shared row types in any dialect: the dialect converts times, lists
//! and `integer` columns, everything else is bound and read as it is.

use billing_core::ids::{OrgId, StripeEventId};
use billing_core::ports::{ClaimedEvent, LedgerError, OutboxItem, RepositoryError};
use chrono::{DateTime, Utc};

use crate::audit::AuditRow;
use crate::db::{DbQuery, QueryExt, RowExt};
use crate::dialect::{DbRow, Dialect};
use crate::error::{ledger_error, repository_error, CodecError};
use crate::inspect::EventAuditRecord;
use crate::ledger::LedgerRow;
use crate::notice::decode_notice;
use crate::state::{PaymentColumns, StateRow};

/// Why a row could not be read: the database refused, or a value does not decode.
#[derive(Debug)]
pub(crate) enum RowError {
    Db(sqlx::Error),
    Codec(CodecError),
}

impl From<sqlx::Error> for RowError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e)
    }
}

impl From<CodecError> for RowError {
    fn from(e: CodecError) -> Self {
        Self::Codec(e)
    }
}

impl From<RowError> for RepositoryError {
    fn from(e: RowError) -> Self {
        match e {
            RowError::Db(e) => repository_error(e),
            RowError::Codec(e) => e.into(),
        }
    }
}

impl From<RowError> for LedgerError {
    fn from(e: RowError) -> Self {
        match e {
            RowError::Db(e) => ledger_error(e),
            RowError::Codec(e) => e.into(),
        }
    }
}

fn time<D: Dialect>(r: &DbRow<D>, column: &str) -> Result<DateTime<Utc>, RowError> {
    Ok(D::from_time(r.value::<D::Time>(column)?)?)
}

fn opt_time<D: Dialect>(r: &DbRow<D>, column: &str) -> Result<Option<DateTime<Utc>>, RowError> {
    Ok(r.value::<Option<D::Time>>(column)?.map(D::from_time).transpose()?)
}

/// `integer` column `column` as the unsigned count the ports call `name`.
fn count<D: Dialect>(r: &DbRow<D>, column: &str, name: &'static str) -> Result<u32, RowError> {
    let n: i64 = r.value::<D::Int>(column)?.into();
    Ok(u32::try_from(n).map_err(|_| CodecError::bad(name, n))?)
}

fn bind_payment<'q, D: Dialect>(q: DbQuery<'q, D::Db>, p: &'q PaymentColumns) -> DbQuery<'q, D::Db> {
    q.arg(p.at.map(D::time))
        .arg(p.amount_minor)
        .arg(p.currency.as_deref())
        .arg(p.invoice_id.as_deref())
        .arg(p.hosted_invoice_url.as_deref())
}

/// Binds the state columns in [`crate::STATE_COLUMNS`] order.
///
/// # Errors
/// [`CodecError`] when a list cannot be encoded.
pub fn bind_state<'q, D: Dialect>(q: DbQuery<'q, D::Db>, s: &'q StateRow) -> Result<DbQuery<'q, D::Db>, CodecError> {
    let q = q
        .arg(s.plan.as_str())
        .arg(s.subscribed_plan.as_deref())
        .arg(s.status.as_str())
        .arg(s.cancel_at_period_end)
        .arg(s.period_start.map(D::time))
        .arg(s.period_end.map(D::time))
        .arg(s.scheduled_plan.as_deref())
        .arg(s.scheduled_at.map(D::time))
        .arg(s.grace_until.map(D::time))
        .arg(s.checkout_session_id.as_deref())
        .arg(s.checkout_plan.as_deref())
        .arg(s.checkout_created_at.map(D::time))
        .arg(s.checkout_url.as_deref());
    let q = bind_payment::<D>(bind_payment::<D>(q, &s.last_attempt), &s.last_success);
    Ok(q.arg(s.stripe_customer_id.as_deref())
        .arg(s.stripe_subscription_id.as_deref())
        .arg(s.canceled_at.map(D::time))
        .arg(D::time_list(&s.recent_plan_changes)?)
        .arg(s.watermark_created.map(D::time))
        .arg(s.watermark_event_id.as_deref())
        .arg(s.watermark_subscription_id.as_deref())
        .arg(D::text_list(&s.ended_subscriptions)?)
        .arg(D::text_list(&s.invoice_watermarks)?)
        .arg(s.schedule_watermark.as_deref()))
}

fn payment<D: Dialect>(r: &DbRow<D>, prefix: &str) -> Result<PaymentColumns, RowError> {
    Ok(PaymentColumns {
        at: opt_time::<D>(r, &format!("{prefix}_at"))?,
        amount_minor: r.value(&format!("{prefix}_amount"))?,
        currency: r.value(&format!("{prefix}_currency"))?,
        invoice_id: r.value(&format!("{prefix}_invoice_id"))?,
        hosted_invoice_url: r.value(&format!("{prefix}_hosted_invoice_url"))?,
    })
}

/// A row selected with [`crate::state_select_list`].
///
/// # Errors
/// [`RowError`] for a missing column or a value that does not decode.
pub(crate) fn state_row<D: Dialect>(r: &DbRow<D>) -> Result<StateRow, RowError> {
    Ok(StateRow {
        org_id: r.value("org_id")?,
        plan: r.value("plan")?,
        subscribed_plan: r.value("subscribed_plan")?,
        status: r.value("status")?,
        cancel_at_period_end: r.value("cancel_at_period_end")?,
        period_start: opt_time::<D>(r, "period_start")?,
        period_end: opt_time::<D>(r, "period_end")?,
        scheduled_plan: r.value("scheduled_plan")?,
        scheduled_at: opt_time::<D>(r, "scheduled_at")?,
        grace_until: opt_time::<D>(r, "grace_until")?,
        checkout_session_id: r.value("checkout_session_id")?,
        checkout_plan: r.value("checkout_plan")?,
        checkout_created_at: opt_time::<D>(r, "checkout_created_at")?,
        checkout_url: r.value("checkout_url")?,
        last_attempt: payment::<D>(r, "last_attempt")?,
        last_success: payment::<D>(r, "last_success")?,
        stripe_customer_id: r.value("stripe_customer_id")?,
        stripe_subscription_id: r.value("stripe_subscription_id")?,
        canceled_at: opt_time::<D>(r, "canceled_at")?,
        recent_plan_changes: D::from_time_list(r.value("recent_plan_changes")?)?,
        watermark_created: opt_time::<D>(r, "watermark_created")?,
        watermark_event_id: r.value("watermark_event_id")?,
        watermark_subscription_id: r.value("watermark_subscription_id")?,
        ended_subscriptions: D::from_text_list(r.value("ended_subscriptions")?)?,
        invoice_watermarks: D::from_text_list(r.value("invoice_watermarks")?)?,
        schedule_watermark: r.value("schedule_watermark")?,
        version: r.value("version")?,
    })
}

/// A row selected with [`crate::LEDGER_COLUMNS`].
///
/// # Errors
/// [`RowError`] for a missing column or a value that does not decode.
pub(crate) fn ledger_row<D: Dialect>(r: &DbRow<D>) -> Result<LedgerRow, RowError> {
    Ok(LedgerRow {
        event_id: r.value("event_id")?,
        event_type: r.value("event_type")?,
        created: time::<D>(r, "stripe_created")?,
        org_id: r.value("org_id")?,
        status: r.value("status")?,
        attempts: r.value::<D::Int>("attempts")?.into(),
        last_error: r.value("last_error")?,
        verified_by: r.value::<Option<D::Int>>("verified_by")?.map(Into::into),
        received_at: time::<D>(r, "received_at")?,
        processed_at: opt_time::<D>(r, "processed_at")?,
        next_attempt_at: opt_time::<D>(r, "next_attempt_at")?,
    })
}

/// A row selected with [`crate::AUDIT_COLUMNS`].
///
/// # Errors
/// [`RowError`] for a missing column or a value that does not decode.
pub(crate) fn audit_row<D: Dialect>(r: &DbRow<D>) -> Result<AuditRow, RowError> {
    Ok(AuditRow {
        org_id: r.value("org_id")?,
        from_plan: r.value("from_plan")?,
        from_status: r.value("from_status")?,
        to_plan: r.value("to_plan")?,
        to_status: r.value("to_status")?,
        cause_kind: r.value("cause_kind")?,
        cause_ref: r.value("cause_ref")?,
        actor_kind: r.value("actor_kind")?,
        actor_id: r.value("actor_id")?,
        at: time::<D>(r, "at")?,
    })
}

/// A row a claim returned with `sql::CLAIM_RETURNING`, leased to `holder` until `lease_until`.
///
/// # Errors
/// [`LedgerError`] for a missing column or a value the ledger would never have written.
pub fn claimed_event<D: Dialect>(r: &DbRow<D>, holder: &str, lease_until: DateTime<Utc>) -> Result<ClaimedEvent, LedgerError> {
    let raw_id: String = r.value("event_id").map_err(ledger_error)?;
    let org: Option<String> = r.value("org_id").map_err(ledger_error)?;
    Ok(ClaimedEvent {
        id: StripeEventId::parse(raw_id.clone()).map_err(|_| CodecError::bad("event_id", raw_id))?,
        event_type: r.value("event_type").map_err(ledger_error)?,
        created: time::<D>(r, "stripe_created")?,
        org_id: org.map(|o| OrgId::parse(o.clone()).map_err(|_| CodecError::bad("org_id", o))).transpose()?,
        payload: r.value("payload").map_err(ledger_error)?,
        attempts: count::<D>(r, "attempts_before", "attempts")?,
        lease_expiries: count::<D>(r, "lease_expiries", "lease_expiries")?,
        received_at: time::<D>(r, "received_at")?,
        holder: holder.to_owned(),
        lease_until,
    })
}

/// A row the outbox claim returned; any error sets the row aside as undecodable.
pub(crate) fn outbox_item<D: Dialect>(r: &DbRow<D>) -> Result<OutboxItem, RepositoryError> {
    let notice: String = r.value("notice").map_err(repository_error)?;
    Ok(OutboxItem {
        id: r.value("id").map_err(repository_error)?,
        org_id: crate::reads::org_of::<D>(r)?,
        notice: decode_notice(&notice)?,
        attempts: count::<D>(r, "attempts_before", "attempts")?,
    })
}

/// A row of `sql::EVENT_HISTORY` about event `id`.
pub(crate) fn event_audit_record<D: Dialect>(r: &DbRow<D>, id: &StripeEventId) -> Result<EventAuditRecord, RowError> {
    Ok(EventAuditRecord {
        event_id: id.clone(),
        action: r.value("action")?,
        actor: r.value("actor")?,
        from_status: r.value("from_status")?,
        at: time::<D>(r, "at")?,
    })
}
