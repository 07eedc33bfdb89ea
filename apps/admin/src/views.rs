//! The JSON shapes of the commands' output. The domain types carry no serde derives, so each
//! command maps what it shows into one of these.

use billing_core::ports::{Inconsistency, LedgerEntry};
use billing_core::services::{FailedPayment, FieldDrift};
use billing_core::{BillingState, Money, Refund};
use chrono::{DateTime, Utc};
use serde::Serialize;

fn rfc3339(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|t| t.to_rfc3339())
}

/// An amount in minor units with its currency.
#[derive(Debug, Serialize)]
pub struct MoneyView {
    pub minor_units: i64,
    pub currency: String,
}

impl From<Money> for MoneyView {
    fn from(m: Money) -> Self {
        Self { minor_units: m.minor_units(), currency: m.currency().to_string() }
    }
}

/// A ledger event.
#[derive(Debug, Serialize)]
pub struct EventView {
    pub id: String,
    pub event_type: String,
    pub created: String,
    pub org_id: Option<String>,
    pub status: &'static str,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// `webhook` (with the position of the secret that verified it) or `api` (fetched by recovery).
    pub source: &'static str,
    pub verified_by: Option<u32>,
    pub received_at: String,
    pub processed_at: Option<String>,
    pub next_attempt_at: Option<String>,
}

impl From<&LedgerEntry> for EventView {
    fn from(e: &LedgerEntry) -> Self {
        Self {
            id: e.id.to_string(),
            event_type: e.event_type.clone(),
            created: e.created.to_rfc3339(),
            org_id: e.org_id.as_ref().map(ToString::to_string),
            status: e.status.as_str(),
            attempts: e.attempts,
            last_error: e.last_error.clone(),
            source: if e.verified_by.is_some() { "webhook" } else { "api" },
            verified_by: e.verified_by,
            received_at: e.received_at.to_rfc3339(),
            processed_at: rfc3339(e.processed_at),
            next_attempt_at: rfc3339(e.next_attempt_at),
        }
    }
}

/// A field whose stored value differs from Stripe's.
#[derive(Debug, Serialize)]
pub struct DriftView {
    pub field: &'static str,
    pub ours: String,
    pub stripe: String,
}

impl From<&FieldDrift> for DriftView {
    fn from(f: &FieldDrift) -> Self {
        Self { field: f.field, ours: f.ours.clone(), stripe: f.stripe.clone() }
    }
}

/// An organization in `past_due`.
#[derive(Debug, Serialize)]
pub struct PastDueView {
    pub org_id: String,
    pub plan: String,
    pub grace_until: Option<String>,
    pub failed_amount: Option<MoneyView>,
    pub failed_at: Option<String>,
}

impl From<&BillingState> for PastDueView {
    fn from(s: &BillingState) -> Self {
        let failed = s.last_payment_attempt();
        Self {
            org_id: s.org_id().to_string(),
            plan: s.plan().to_string(),
            grace_until: rfc3339(s.grace_until()),
            failed_amount: failed.map(|p| p.amount.into()),
            failed_at: rfc3339(failed.map(|p| p.at)),
        }
    }
}

/// A failed payment and whether the organization paid since.
#[derive(Debug, Serialize)]
pub struct FailedPaymentView {
    pub event_id: String,
    pub org_id: Option<String>,
    pub failed_at: String,
    pub invoice_id: Option<String>,
    pub amount: Option<MoneyView>,
    pub recovered: bool,
    pub recovered_at: Option<String>,
}

impl From<&FailedPayment> for FailedPaymentView {
    fn from(f: &FailedPayment) -> Self {
        Self {
            event_id: f.event_id.to_string(),
            org_id: f.org_id.as_ref().map(ToString::to_string),
            failed_at: f.failed_at.to_rfc3339(),
            invoice_id: f.invoice_id.as_ref().map(ToString::to_string),
            amount: f.amount.map(Into::into),
            recovered: f.recovered_at.is_some(),
            recovered_at: rfc3339(f.recovered_at),
        }
    }
}

/// An organization that disagrees with its processed events.
#[derive(Debug, Serialize)]
pub struct InconsistencyView {
    pub org_id: String,
    pub kind: &'static str,
    pub event_id: String,
    /// The event's ledger status; `null` when the ledger does not hold it.
    pub event_status: Option<&'static str>,
}

impl From<&Inconsistency> for InconsistencyView {
    fn from(i: &Inconsistency) -> Self {
        Self {
            org_id: i.org_id.to_string(),
            kind: i.kind.as_str(),
            event_id: i.event_id.to_string(),
            event_status: i.event_status.map(|s| s.as_str()),
        }
    }
}

/// A refund Stripe made.
#[derive(Debug, Serialize)]
pub struct RefundView {
    pub id: String,
    pub charge: String,
    pub amount: MoneyView,
    pub status: String,
}

impl From<&Refund> for RefundView {
    fn from(r: &Refund) -> Self {
        Self { id: r.id.to_string(), charge: r.charge.to_string(), amount: r.amount.into(), status: r.status.as_str().to_owned() }
    }
}
