//! Reading and binding rows: the SQLite side of the shared row types.
//!
//! Timestamps are stored as INTEGER microseconds and lists as JSON text, so every column goes
//! through a conversion here; a conversion failure is a corrupt row, reported as such.

use billing_core::ports::{LedgerError, RepositoryError};
use billing_store::{from_micros, ledger_error, repository_error, to_micros, AuditRow, CodecError, LedgerRow, PaymentColumns, StateRow};
use chrono::{DateTime, Utc};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Row, Sqlite};

pub(crate) type LiteQuery<'q> = Query<'q, Sqlite, SqliteArguments<'q>>;

/// Why a row could not be read.
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

impl From<serde_json::Error> for RowError {
    fn from(e: serde_json::Error) -> Self {
        Self::Codec(CodecError::Json(e))
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

pub(crate) fn us(at: DateTime<Utc>) -> i64 {
    to_micros(at)
}

pub(crate) fn opt_us(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(to_micros)
}

pub(crate) fn time(r: &SqliteRow, column: &str) -> Result<DateTime<Utc>, RowError> {
    Ok(from_micros(r.try_get(column)?)?)
}

pub(crate) fn opt_time(r: &SqliteRow, column: &str) -> Result<Option<DateTime<Utc>>, RowError> {
    Ok(r.try_get::<Option<i64>, _>(column)?.map(from_micros).transpose()?)
}

fn bind_payment<'q>(q: LiteQuery<'q>, p: &'q PaymentColumns) -> LiteQuery<'q> {
    q.bind(opt_us(p.at))
        .bind(p.amount_minor)
        .bind(p.currency.as_deref())
        .bind(p.invoice_id.as_deref())
        .bind(p.hosted_invoice_url.as_deref())
}

/// Binds the state columns in [`billing_store::STATE_COLUMNS`] order.
pub(crate) fn bind_state<'q>(q: LiteQuery<'q>, s: &'q StateRow) -> Result<LiteQuery<'q>, RowError> {
    let changes = serde_json::to_string(&s.recent_plan_changes.iter().map(|t| us(*t)).collect::<Vec<_>>())?;
    let ended = serde_json::to_string(&s.ended_subscriptions)?;
    let invoices = serde_json::to_string(&s.invoice_watermarks)?;
    let q = q
        .bind(s.plan.as_str())
        .bind(s.subscribed_plan.as_deref())
        .bind(s.status.as_str())
        .bind(s.cancel_at_period_end)
        .bind(opt_us(s.period_start))
        .bind(opt_us(s.period_end))
        .bind(s.scheduled_plan.as_deref())
        .bind(opt_us(s.scheduled_at))
        .bind(opt_us(s.grace_until))
        .bind(s.checkout_session_id.as_deref())
        .bind(s.checkout_plan.as_deref())
        .bind(opt_us(s.checkout_created_at))
        .bind(s.checkout_url.as_deref());
    let q = bind_payment(bind_payment(q, &s.last_attempt), &s.last_success);
    Ok(q.bind(s.stripe_customer_id.as_deref())
        .bind(s.stripe_subscription_id.as_deref())
        .bind(opt_us(s.canceled_at))
        .bind(changes)
        .bind(opt_us(s.watermark_created))
        .bind(s.watermark_event_id.as_deref())
        .bind(s.watermark_subscription_id.as_deref())
        .bind(ended)
        .bind(invoices))
}

fn payment(r: &SqliteRow, prefix: &str) -> Result<PaymentColumns, RowError> {
    Ok(PaymentColumns {
        at: opt_time(r, &format!("{prefix}_at"))?,
        amount_minor: r.try_get(format!("{prefix}_amount").as_str())?,
        currency: r.try_get(format!("{prefix}_currency").as_str())?,
        invoice_id: r.try_get(format!("{prefix}_invoice_id").as_str())?,
        hosted_invoice_url: r.try_get(format!("{prefix}_hosted_invoice_url").as_str())?,
    })
}

fn plan_changes(r: &SqliteRow) -> Result<Vec<DateTime<Utc>>, RowError> {
    let micros: Vec<i64> = serde_json::from_str(&r.try_get::<String, _>("recent_plan_changes")?)?;
    Ok(micros.into_iter().map(from_micros).collect::<Result<_, _>>()?)
}

/// A row selected with [`billing_store::state_select_list`].
pub(crate) fn state_row(r: &SqliteRow) -> Result<StateRow, RowError> {
    Ok(StateRow {
        org_id: r.try_get("org_id")?,
        plan: r.try_get("plan")?,
        subscribed_plan: r.try_get("subscribed_plan")?,
        status: r.try_get("status")?,
        cancel_at_period_end: r.try_get("cancel_at_period_end")?,
        period_start: opt_time(r, "period_start")?,
        period_end: opt_time(r, "period_end")?,
        scheduled_plan: r.try_get("scheduled_plan")?,
        scheduled_at: opt_time(r, "scheduled_at")?,
        grace_until: opt_time(r, "grace_until")?,
        checkout_session_id: r.try_get("checkout_session_id")?,
        checkout_plan: r.try_get("checkout_plan")?,
        checkout_created_at: opt_time(r, "checkout_created_at")?,
        checkout_url: r.try_get("checkout_url")?,
        last_attempt: payment(r, "last_attempt")?,
        last_success: payment(r, "last_success")?,
        stripe_customer_id: r.try_get("stripe_customer_id")?,
        stripe_subscription_id: r.try_get("stripe_subscription_id")?,
        canceled_at: opt_time(r, "canceled_at")?,
        recent_plan_changes: plan_changes(r)?,
        watermark_created: opt_time(r, "watermark_created")?,
        watermark_event_id: r.try_get("watermark_event_id")?,
        watermark_subscription_id: r.try_get("watermark_subscription_id")?,
        ended_subscriptions: serde_json::from_str(&r.try_get::<String, _>("ended_subscriptions")?)?,
        invoice_watermarks: serde_json::from_str(&r.try_get::<String, _>("invoice_watermarks")?)?,
        version: r.try_get("version")?,
    })
}

/// A row selected with [`billing_store::LEDGER_COLUMNS`].
pub(crate) fn ledger_row(r: &SqliteRow) -> Result<LedgerRow, RowError> {
    Ok(LedgerRow {
        event_id: r.try_get("event_id")?,
        event_type: r.try_get("event_type")?,
        created: time(r, "stripe_created")?,
        org_id: r.try_get("org_id")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        verified_by: r.try_get("verified_by")?,
        received_at: time(r, "received_at")?,
        processed_at: opt_time(r, "processed_at")?,
        next_attempt_at: opt_time(r, "next_attempt_at")?,
    })
}

/// A row selected with [`billing_store::AUDIT_COLUMNS`].
pub(crate) fn audit_row(r: &SqliteRow) -> Result<AuditRow, RowError> {
    Ok(AuditRow {
        org_id: r.try_get("org_id")?,
        from_plan: r.try_get("from_plan")?,
        from_status: r.try_get("from_status")?,
        to_plan: r.try_get("to_plan")?,
        to_status: r.try_get("to_status")?,
        cause_kind: r.try_get("cause_kind")?,
        cause_ref: r.try_get("cause_ref")?,
        actor_kind: r.try_get("actor_kind")?,
        actor_id: r.try_get("actor_id")?,
        at: time(r, "at")?,
    })
}
