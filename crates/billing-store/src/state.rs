//! A billing state as flat columns of the `organizations` table, and back.

use billing_core::ids::{CheckoutSessionId, OrgId, PlanId, StripeCustomerId, StripeEventId, StripeInvoiceId, StripeSubscriptionId};
use billing_core::state::{InvoiceWatermark, PaymentRecord, PendingCheckout, ScheduledChange, Watermark};
use billing_core::{BillingPeriod, BillingState, BillingStateParts, Currency, Money, SubscriptionStatus};
use chrono::{DateTime, Utc};

use crate::error::CodecError;
use crate::schedule_mark::{decode_schedule_mark, encode_schedule_mark};
use crate::time::{from_micros, to_micros};

/// The state columns of `organizations` besides `org_id` and `version`, in the order both
/// stores bind [`StateRow`] fields.
pub const STATE_COLUMNS: [&str; 33] = [
    "plan",
    "subscribed_plan",
    "status",
    "cancel_at_period_end",
    "period_start",
    "period_end",
    "scheduled_plan",
    "scheduled_at",
    "grace_until",
    "checkout_session_id",
    "checkout_plan",
    "checkout_created_at",
    "checkout_url",
    "last_attempt_at",
    "last_attempt_amount",
    "last_attempt_currency",
    "last_attempt_invoice_id",
    "last_attempt_hosted_invoice_url",
    "last_success_at",
    "last_success_amount",
    "last_success_currency",
    "last_success_invoice_id",
    "last_success_hosted_invoice_url",
    "stripe_customer_id",
    "stripe_subscription_id",
    "canceled_at",
    "recent_plan_changes",
    "watermark_created",
    "watermark_event_id",
    "watermark_subscription_id",
    "ended_subscriptions",
    "invoice_watermarks",
    "schedule_watermark",
];

/// `org_id, version, <state columns>` for SELECT and RETURNING lists.
pub fn state_select_list() -> String {
    format!("org_id, version, {}", STATE_COLUMNS.join(", "))
}

/// `col = $first, col = $first+1, …` over the state columns, for UPDATE statements.
pub fn state_assignments(first: usize) -> String {
    STATE_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", first + i)).collect::<Vec<_>>().join(", ")
}

/// `$first, …` placeholders for the state columns, for INSERT statements.
pub fn state_placeholders(first: usize) -> String {
    (0..STATE_COLUMNS.len()).map(|i| format!("${}", first + i)).collect::<Vec<_>>().join(", ")
}

/// One payment record as five nullable columns, each named `<prefix>_<field>` in the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentColumns {
    pub at: Option<DateTime<Utc>>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub invoice_id: Option<String>,
    pub hosted_invoice_url: Option<String>,
}

/// Every field of a [`BillingState`] as a column value, in the table's column order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRow {
    pub org_id: String,
    pub plan: String,
    pub subscribed_plan: Option<String>,
    pub status: String,
    pub cancel_at_period_end: bool,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    pub scheduled_plan: Option<String>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub grace_until: Option<DateTime<Utc>>,
    pub checkout_session_id: Option<String>,
    pub checkout_plan: Option<String>,
    pub checkout_created_at: Option<DateTime<Utc>>,
    pub checkout_url: Option<String>,
    pub last_attempt: PaymentColumns,
    pub last_success: PaymentColumns,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub canceled_at: Option<DateTime<Utc>>,
    pub recent_plan_changes: Vec<DateTime<Utc>>,
    pub watermark_created: Option<DateTime<Utc>>,
    pub watermark_event_id: Option<String>,
    pub watermark_subscription_id: Option<String>,
    pub ended_subscriptions: Vec<String>,
    /// One text per remembered invoice, as [`encode_invoice_watermark`] writes it.
    pub invoice_watermarks: Vec<String>,
    /// As [`crate::schedule_mark::encode_schedule_mark`] writes it.
    pub schedule_watermark: Option<String>,
    pub version: i64,
}

fn id_text<T: AsRef<str>>(id: Option<&T>) -> Option<String> {
    id.map(|v| v.as_ref().to_owned())
}

fn encode_payment(record: Option<&PaymentRecord>) -> PaymentColumns {
    match record {
        None => PaymentColumns::default(),
        Some(r) => PaymentColumns {
            at: Some(r.at),
            amount_minor: Some(r.amount.minor_units()),
            currency: Some(r.amount.currency().as_str().to_owned()),
            invoice_id: id_text(r.invoice_id.as_ref()),
            hosted_invoice_url: r.hosted_invoice_url.clone(),
        },
    }
}

/// The columns of `state`. [`decode_state`] fills `BillingStateParts` with a struct literal,
/// so a new field in `billing-core` fails to compile there until it is given a column.
pub fn encode_state(state: &BillingState) -> StateRow {
    let p = state.to_parts();
    let checkout = p.pending_checkout.as_ref();
    let watermark = p.watermark.as_ref();
    StateRow {
        org_id: p.org_id.as_str().to_owned(),
        plan: p.plan.as_str().to_owned(),
        subscribed_plan: id_text(p.subscribed_plan.as_ref()),
        status: p.status.as_str().to_owned(),
        cancel_at_period_end: p.cancel_at_period_end,
        period_start: p.period.map(|x| x.start()),
        period_end: p.period.map(|x| x.end()),
        scheduled_plan: p.scheduled_change.as_ref().map(|c| c.plan.as_str().to_owned()),
        scheduled_at: p.scheduled_change.as_ref().map(|c| c.effective_at),
        grace_until: p.grace_until,
        checkout_session_id: checkout.map(|c| c.session_id.as_str().to_owned()),
        checkout_plan: checkout.map(|c| c.plan.as_str().to_owned()),
        checkout_created_at: checkout.map(|c| c.created_at),
        checkout_url: checkout.and_then(|c| c.url.clone()),
        last_attempt: encode_payment(p.last_payment_attempt.as_ref()),
        last_success: encode_payment(p.last_payment_success.as_ref()),
        stripe_customer_id: id_text(p.customer_id.as_ref()),
        stripe_subscription_id: id_text(p.subscription_id.as_ref()),
        canceled_at: p.canceled_at,
        recent_plan_changes: p.recent_plan_changes.clone(),
        watermark_created: watermark.map(|w| w.created),
        watermark_event_id: watermark.and_then(|w| id_text(w.event_id.as_ref())),
        watermark_subscription_id: watermark.and_then(|w| id_text(w.subscription_id.as_ref())),
        ended_subscriptions: p.ended_subscriptions.iter().map(|s| s.as_str().to_owned()).collect(),
        invoice_watermarks: p.invoice_watermarks.iter().map(encode_invoice_watermark).collect(),
        schedule_watermark: p.schedule_watermark.as_ref().map(encode_schedule_mark),
        // Versions above `i64::MAX` cannot occur (one bump per decision), so they saturate.
        version: i64::try_from(p.version).unwrap_or(i64::MAX),
    }
}

/// Parses an optional identifier column with the identifier's own validation.
fn parse_id<T, E: std::fmt::Display>(
    column: &'static str,
    raw: Option<String>,
    parse: impl Fn(String) -> Result<T, E>,
) -> Result<Option<T>, CodecError> {
    raw.map(|v| parse(v.clone()).map_err(|_| CodecError::bad(column, v))).transpose()
}

fn required<T>(column: &'static str, because: &'static str, value: Option<T>) -> Result<T, CodecError> {
    value.ok_or(CodecError::Missing { column, because })
}

fn decode_payment(prefix: &'static str, c: PaymentColumns) -> Result<Option<PaymentRecord>, CodecError> {
    let Some(at) = c.at else { return Ok(None) };
    let minor = required(prefix, "a payment record", c.amount_minor)?;
    let raw_currency = required(prefix, "a payment record", c.currency)?;
    let currency = Currency::parse(&raw_currency).map_err(|_| CodecError::bad(prefix, raw_currency))?;
    let invoice_id = parse_id(prefix, c.invoice_id, StripeInvoiceId::parse)?;
    Ok(Some(PaymentRecord { at, amount: Money::new(minor, currency), invoice_id, hosted_invoice_url: c.hosted_invoice_url }))
}

fn decode_period(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Result<Option<BillingPeriod>, CodecError> {
    match (start, end) {
        (None, None) => Ok(None),
        (Some(s), Some(e)) => BillingPeriod::new(s, e).map(Some).ok_or_else(|| CodecError::bad("period_end", e)),
        (Some(_), None) => Err(CodecError::Missing { column: "period_end", because: "period_start" }),
        (None, Some(_)) => Err(CodecError::Missing { column: "period_start", because: "period_end" }),
    }
}

fn decode_scheduled(plan: Option<String>, at: Option<DateTime<Utc>>) -> Result<Option<ScheduledChange>, CodecError> {
    let Some(plan) = parse_id("scheduled_plan", plan, PlanId::parse)? else { return Ok(None) };
    let effective_at = required("scheduled_at", "scheduled_plan", at)?;
    Ok(Some(ScheduledChange { plan, effective_at }))
}

fn decode_checkout(row: &mut StateRow) -> Result<Option<PendingCheckout>, CodecError> {
    let Some(session_id) = parse_id("checkout_session_id", row.checkout_session_id.take(), CheckoutSessionId::parse)? else {
        return Ok(None);
    };
    let plan = required("checkout_plan", "checkout_session_id", parse_id("checkout_plan", row.checkout_plan.take(), PlanId::parse)?)?;
    let created_at = required("checkout_created_at", "checkout_session_id", row.checkout_created_at)?;
    Ok(Some(PendingCheckout { session_id, plan, created_at, url: row.checkout_url.take() }))
}

fn decode_watermark(row: &mut StateRow) -> Result<Option<Watermark>, CodecError> {
    let Some(created) = row.watermark_created else { return Ok(None) };
    Ok(Some(Watermark {
        subscription_id: parse_id("watermark_subscription_id", row.watermark_subscription_id.take(), StripeSubscriptionId::parse)?,
        created,
        event_id: parse_id("watermark_event_id", row.watermark_event_id.take(), StripeEventId::parse)?,
    }))
}

fn decode_ended(raw: Vec<String>) -> Result<Vec<StripeSubscriptionId>, CodecError> {
    raw.into_iter().map(|s| StripeSubscriptionId::parse(s.clone()).map_err(|_| CodecError::bad("ended_subscriptions", s))).collect()
}

/// One remembered invoice as `<invoice id> <created, µs>` and ` <subscription id>` when known.
/// Identifiers never contain spaces, so the list fits a text list column like the others.
fn encode_invoice_watermark(mark: &InvoiceWatermark) -> String {
    let created = to_micros(mark.created);
    match &mark.subscription_id {
        Some(subscription) => format!("{} {created} {subscription}", mark.invoice_id),
        None => format!("{} {created}", mark.invoice_id),
    }
}

/// Reads back what [`encode_invoice_watermark`] wrote.
///
/// # Errors
/// [`CodecError`] when the text does not have two or three valid parts.
fn decode_invoice_watermark(raw: String) -> Result<InvoiceWatermark, CodecError> {
    const COLUMN: &str = "invoice_watermarks";
    let parts: Vec<&str> = raw.split(' ').collect();
    let (invoice, micros, subscription) = match parts[..] {
        [invoice, micros] => (invoice, micros, None),
        [invoice, micros, subscription] => (invoice, micros, Some(subscription)),
        _ => return Err(CodecError::bad(COLUMN, &raw)),
    };
    let invoice_id = StripeInvoiceId::parse(invoice).map_err(|_| CodecError::bad(COLUMN, &raw))?;
    let micros: i64 = micros.parse().map_err(|_| CodecError::bad(COLUMN, &raw))?;
    let subscription_id = subscription.map(StripeSubscriptionId::parse).transpose().map_err(|_| CodecError::bad(COLUMN, &raw))?;
    Ok(InvoiceWatermark { invoice_id, subscription_id, created: from_micros(micros)? })
}

/// Restores the state the columns describe.
///
/// # Errors
/// [`CodecError`] when a column holds something the domain would never have written.
pub fn decode_state(mut row: StateRow) -> Result<BillingState, CodecError> {
    let status = SubscriptionStatus::parse(&row.status).ok_or_else(|| CodecError::bad("status", &row.status))?;
    let pending_checkout = decode_checkout(&mut row)?;
    let watermark = decode_watermark(&mut row)?;
    let parts = BillingStateParts {
        org_id: OrgId::parse(row.org_id.clone()).map_err(|_| CodecError::bad("org_id", &row.org_id))?,
        plan: PlanId::parse(row.plan.clone()).map_err(|_| CodecError::bad("plan", &row.plan))?,
        subscribed_plan: parse_id("subscribed_plan", row.subscribed_plan, PlanId::parse)?,
        status,
        cancel_at_period_end: row.cancel_at_period_end,
        period: decode_period(row.period_start, row.period_end)?,
        scheduled_change: decode_scheduled(row.scheduled_plan, row.scheduled_at)?,
        grace_until: row.grace_until,
        pending_checkout,
        last_payment_attempt: decode_payment("last_attempt", row.last_attempt)?,
        last_payment_success: decode_payment("last_success", row.last_success)?,
        customer_id: parse_id("stripe_customer_id", row.stripe_customer_id, StripeCustomerId::parse)?,
        subscription_id: parse_id("stripe_subscription_id", row.stripe_subscription_id, StripeSubscriptionId::parse)?,
        canceled_at: row.canceled_at,
        recent_plan_changes: row.recent_plan_changes,
        watermark,
        ended_subscriptions: decode_ended(row.ended_subscriptions)?,
        invoice_watermarks: row.invoice_watermarks.into_iter().map(decode_invoice_watermark).collect::<Result<_, _>>()?,
        schedule_watermark: row.schedule_watermark.as_deref().map(decode_schedule_mark).transpose()?,
        version: u64::try_from(row.version).map_err(|_| CodecError::bad("version", row.version))?,
    };
    Ok(BillingState::from_parts(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_column_lists_number_their_placeholders_from_the_given_position() {
        assert!(state_select_list().starts_with("org_id, version, plan, subscribed_plan, "));
        let assignments = state_assignments(3);
        assert!(assignments.starts_with("plan = $3, subscribed_plan = $4, "));
        assert!(assignments.ends_with("invoice_watermarks = $34, schedule_watermark = $35"));
        let placeholders = state_placeholders(3);
        assert!(placeholders.starts_with("$3, $4, "));
        assert!(placeholders.ends_with(", $35"));
    }

    #[test]
    fn an_invoice_watermark_is_stored_as_invoice_microseconds_and_subscription() {
        let (invoice_id, subscription_id) = (StripeInvoiceId::parse("in_1").unwrap(), StripeSubscriptionId::parse("sub_1").ok());
        let with = InvoiceWatermark { invoice_id, subscription_id, created: from_micros(1_769_904_040_000_001).unwrap() };
        let without = InvoiceWatermark { subscription_id: None, ..with.clone() };
        assert_eq!(encode_invoice_watermark(&with), "in_1 1769904040000001 sub_1");
        assert_eq!(encode_invoice_watermark(&without), "in_1 1769904040000001");
        for mark in [with, without] {
            assert_eq!(decode_invoice_watermark(encode_invoice_watermark(&mark)).ok(), Some(mark));
        }
    }

    #[test]
    fn an_invoice_watermark_the_domain_would_never_write_is_refused() {
        for raw in ["", "in_1", "in_1 12 sub_1 extra", "cus_1 12", "in_1 soon", "in_1 12 cus_1", "in_1 9223372036854775807"] {
            assert!(decode_invoice_watermark(raw.to_owned()).is_err(), "{raw:?}");
        }
    }
}
