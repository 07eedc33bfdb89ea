//! Payments: failed ones as the runbook lists them (EC-2), and refunds (recovery procedure 3).

use billing_core::services::{failed_payments, RefundAsk};
use billing_core::Actor;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::cli::RefundArgs;
use crate::context::Admin;
use crate::error::AdminError;
use crate::orgs::{known, state_json};
use crate::output::{fields, or_dash, table, time, Report};
use crate::views::{FailedPaymentView, RefundView};

#[derive(Serialize)]
struct Failures {
    failures: Vec<FailedPaymentView>,
}

/// Failed payments received since `since`, newest first, each with whether the organization
/// has paid since.
///
/// # Errors
/// When the ledger or the store cannot be read.
pub async fn failures(admin: &Admin, since: DateTime<Utc>, limit: u32) -> Result<Report, AdminError> {
    let found = failed_payments(admin.repo.as_ref(), admin.ledger.as_ref(), &admin.decoder(), since, limit).await?;
    let rows = found.iter().map(|f| {
        let recovered = f.recovered_at.map_or_else(|| "no".to_owned(), |at| format!("yes, paid {}", at.to_rfc3339()));
        [
            f.failed_at.to_rfc3339(),
            or_dash(f.org_id.as_ref()),
            or_dash(f.amount),
            or_dash(f.invoice_id.as_ref()),
            recovered,
            f.event_id.to_string(),
        ]
    });
    let outstanding = found.iter().filter(|f| f.recovered_at.is_none()).count();
    let summary = format!("{} failed payment(s) since {}, {outstanding} not recovered", found.len(), since.to_rfc3339());
    let text = table(["failed at", "org", "amount", "invoice", "recovered", "event"], rows, &summary);
    Report::new(&Failures { failures: found.iter().map(FailedPaymentView::from).collect() }, text)
}

#[derive(Serialize)]
struct RefundDone {
    refund: RefundView,
    refunded_by: String,
    canceled: bool,
    organization: Value,
}

/// Refunds a charge of the organization's own Stripe customer, audited with the operator, and
/// with `--cancel` then cancels its subscription now.
///
/// # Errors
/// [`AdminError::OrgNotFound`], [`AdminError::StripeNotConfigured`], or the billing error: a
/// charge of another customer, an amount out of range, a charge refunded already, Stripe's or
/// the store's failure, or a cancellation that failed after the refund was made.
pub async fn refund(admin: &Admin, args: &RefundArgs) -> Result<Report, AdminError> {
    let billing = admin.billing()?;
    known(admin, &args.org).await?;
    let ask = RefundAsk { charge: args.charge.clone(), amount: args.amount, reason: args.reason, cancel: args.cancel };
    let done = billing.refund(&args.org, Actor::Admin(args.actor.name.clone()), ask).await?;
    let r = &done.refund;
    let text = fields([
        ("refund".to_owned(), r.id.to_string()),
        ("charge".to_owned(), r.charge.to_string()),
        ("amount".to_owned(), r.amount.to_string()),
        ("status".to_owned(), r.status.as_str().to_owned()),
        ("organization".to_owned(), args.org.to_string()),
        ("plan now".to_owned(), done.state.plan().to_string()),
        ("subscription status".to_owned(), done.state.status().as_str().to_owned()),
        ("canceled at".to_owned(), time(done.state.canceled_at())),
    ]);
    let view = RefundDone {
        refund: RefundView::from(r),
        refunded_by: args.actor.name.clone(),
        canceled: args.cancel,
        organization: state_json(admin, &done.state),
    };
    Report::new(&view, text)
}
