//! Reading and binding rows: the Postgres side of the shared row types.

use billing_store::{AuditRow, LedgerRow, PaymentColumns, StateRow};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Postgres, Row};

pub(crate) type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

fn bind_payment<'q>(q: PgQuery<'q>, p: &'q PaymentColumns) -> PgQuery<'q> {
    q.bind(p.at).bind(p.amount_minor).bind(p.currency.as_deref()).bind(p.invoice_id.as_deref()).bind(p.hosted_invoice_url.as_deref())
}

/// Binds the state columns in [`billing_store::STATE_COLUMNS`] order.
pub(crate) fn bind_state<'q>(q: PgQuery<'q>, s: &'q StateRow) -> PgQuery<'q> {
    let q = q
        .bind(&s.plan)
        .bind(s.subscribed_plan.as_deref())
        .bind(&s.status)
        .bind(s.cancel_at_period_end)
        .bind(s.period_start)
        .bind(s.period_end)
        .bind(s.scheduled_plan.as_deref())
        .bind(s.scheduled_at)
        .bind(s.grace_until)
        .bind(s.checkout_session_id.as_deref())
        .bind(s.checkout_plan.as_deref())
        .bind(s.checkout_created_at)
        .bind(s.checkout_url.as_deref());
    let q = bind_payment(bind_payment(q, &s.last_attempt), &s.last_success);
    q.bind(s.stripe_customer_id.as_deref())
        .bind(s.stripe_subscription_id.as_deref())
        .bind(s.canceled_at)
        .bind(&s.recent_plan_changes)
        .bind(s.watermark_created)
        .bind(s.watermark_event_id.as_deref())
        .bind(s.watermark_subscription_id.as_deref())
        .bind(&s.ended_subscriptions)
        .bind(&s.invoice_watermarks)
}

fn payment(r: &PgRow, prefix: &str) -> Result<PaymentColumns, sqlx::Error> {
    Ok(PaymentColumns {
        at: r.try_get(format!("{prefix}_at").as_str())?,
        amount_minor: r.try_get(format!("{prefix}_amount").as_str())?,
        currency: r.try_get(format!("{prefix}_currency").as_str())?,
        invoice_id: r.try_get(format!("{prefix}_invoice_id").as_str())?,
        hosted_invoice_url: r.try_get(format!("{prefix}_hosted_invoice_url").as_str())?,
    })
}

/// A row selected with [`billing_store::state_select_list`].
pub(crate) fn state_row(r: &PgRow) -> Result<StateRow, sqlx::Error> {
    Ok(StateRow {
        org_id: r.try_get("org_id")?,
        plan: r.try_get("plan")?,
        subscribed_plan: r.try_get("subscribed_plan")?,
        status: r.try_get("status")?,
        cancel_at_period_end: r.try_get("cancel_at_period_end")?,
        period_start: r.try_get("period_start")?,
        period_end: r.try_get("period_end")?,
        scheduled_plan: r.try_get("scheduled_plan")?,
        scheduled_at: r.try_get("scheduled_at")?,
        grace_until: r.try_get("grace_until")?,
        checkout_session_id: r.try_get("checkout_session_id")?,
        checkout_plan: r.try_get("checkout_plan")?,
        checkout_created_at: r.try_get("checkout_created_at")?,
        checkout_url: r.try_get("checkout_url")?,
        last_attempt: payment(r, "last_attempt")?,
        last_success: payment(r, "last_success")?,
        stripe_customer_id: r.try_get("stripe_customer_id")?,
        stripe_subscription_id: r.try_get("stripe_subscription_id")?,
        canceled_at: r.try_get("canceled_at")?,
        recent_plan_changes: r.try_get::<Vec<DateTime<Utc>>, _>("recent_plan_changes")?,
        watermark_created: r.try_get("watermark_created")?,
        watermark_event_id: r.try_get("watermark_event_id")?,
        watermark_subscription_id: r.try_get("watermark_subscription_id")?,
        ended_subscriptions: r.try_get::<Vec<String>, _>("ended_subscriptions")?,
        invoice_watermarks: r.try_get::<Vec<String>, _>("invoice_watermarks")?,
        version: r.try_get("version")?,
    })
}

/// A row selected with [`billing_store::LEDGER_COLUMNS`].
pub(crate) fn ledger_row(r: &PgRow) -> Result<LedgerRow, sqlx::Error> {
    Ok(LedgerRow {
        event_id: r.try_get("event_id")?,
        event_type: r.try_get("event_type")?,
        created: r.try_get("stripe_created")?,
        org_id: r.try_get("org_id")?,
        status: r.try_get("status")?,
        attempts: i64::from(r.try_get::<i32, _>("attempts")?),
        last_error: r.try_get("last_error")?,
        verified_by: r.try_get::<Option<i32>, _>("verified_by")?.map(i64::from),
        received_at: r.try_get("received_at")?,
        processed_at: r.try_get("processed_at")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
    })
}

/// A row selected with [`billing_store::AUDIT_COLUMNS`].
pub(crate) fn audit_row(r: &PgRow) -> Result<AuditRow, sqlx::Error> {
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
        at: r.try_get("at")?,
    })
}
