//! Reconciling organizations with Stripe: one, or every organization with a live subscription,
//! as a dry run or applied, audited with the operator.

use billing_core::services::{FieldDrift, SweepMode, SweepReport};
use billing_core::{Actor, OrgId};
use serde::Serialize;
use serde_json::Value;

use crate::cli::ReconcileArgs;
use crate::context::Admin;
use crate::error::AdminError;
use crate::orgs::{known, state_json};
use crate::output::{table, Report};
use crate::views::DriftView;

/// What a dry run or an applied reconcile of `args` does.
fn mode(args: &ReconcileArgs) -> SweepMode {
    if args.dry_run {
        SweepMode::DryRun
    } else {
        SweepMode::Apply(Actor::Admin(args.actor.name.clone()))
    }
}

#[derive(Serialize)]
struct OneView {
    org: String,
    dry_run: bool,
    /// The fields that differ from Stripe (a dry run) or that were changed.
    drift: Vec<DriftView>,
    /// The organization after the reconcile; absent in a dry run.
    organization: Option<Value>,
}

fn drift_rows(org: &OrgId, found: &[FieldDrift]) -> Vec<[String; 4]> {
    found.iter().map(|f| [org.to_string(), f.field.to_owned(), f.ours.clone(), f.stripe.clone()]).collect()
}

/// Reconciles one organization: the fields that differ from Stripe, changed unless a dry run.
/// A dry run that finds drift is a finding (exit status 3).
///
/// # Errors
/// [`AdminError::OrgNotFound`], [`AdminError::StripeNotConfigured`], or the Stripe or storage
/// failure.
pub async fn one(admin: &Admin, org: &OrgId, args: &ReconcileArgs) -> Result<Report, AdminError> {
    let billing = admin.billing()?;
    known(admin, org).await?;
    let found = billing.reconcile_in(org, &mode(args)).await?;
    let (summary, organization) = if args.dry_run {
        (format!("{org}: {} field(s) differ from Stripe (dry run, nothing changed)", found.len()), None)
    } else {
        let after = known(admin, org).await?;
        (format!("{org}: reconciled with Stripe, {} field(s) changed", found.len()), Some(state_json(admin, &after)))
    };
    let text = table(["org", "field", "ours", "stripe"], drift_rows(org, &found), &summary);
    let view = OneView { org: org.to_string(), dry_run: args.dry_run, drift: found.iter().map(DriftView::from).collect(), organization };
    Ok(Report::new(&view, text)?.found(args.dry_run && !found.is_empty()))
}

#[derive(Serialize)]
struct OrgDriftView {
    org: String,
    drift: Vec<DriftView>,
}

#[derive(Serialize)]
struct OrgFailureView {
    org: String,
    error: String,
}

#[derive(Serialize)]
struct AllView {
    dry_run: bool,
    checked: usize,
    drifted: Vec<OrgDriftView>,
    failed: Vec<OrgFailureView>,
}

/// Reconciles every organization with a live subscription, pausing `--pace` between two, and
/// reports each that drifted and each that failed. Failures, and drift in a dry run, are
/// findings (exit status 3); a run that applied drift successfully is not.
///
/// # Errors
/// [`AdminError::StripeNotConfigured`], or the store failing to list organizations.
pub async fn all(admin: &Admin, args: &ReconcileArgs) -> Result<Report, AdminError> {
    let billing = admin.billing()?;
    // A negative pace cannot be written on the command line; zero means no pause.
    let pace = args.pace.to_std().unwrap_or_default();
    let report = billing.sweep_paid_orgs(&mode(args), args.page_size, || tokio::time::sleep(pace)).await?;
    let text = all_text(&report, args.dry_run);
    let view = AllView {
        dry_run: args.dry_run,
        checked: report.checked,
        drifted: report
            .drifted
            .iter()
            .map(|(o, f)| OrgDriftView { org: o.to_string(), drift: f.iter().map(DriftView::from).collect() })
            .collect(),
        failed: report.failed.iter().map(|(o, e)| OrgFailureView { org: o.to_string(), error: e.to_string() }).collect(),
    };
    let found = !report.failed.is_empty() || (args.dry_run && !report.drifted.is_empty());
    Ok(Report::new(&view, text)?.found(found))
}

fn all_text(report: &SweepReport, dry_run: bool) -> String {
    let drift: Vec<[String; 4]> = report.drifted.iter().flat_map(|(org, found)| drift_rows(org, found)).collect();
    let failed = report.failed.iter().map(|(org, error)| [org.to_string(), error.to_string()]);
    let (verb, note) = if dry_run { ("differ from Stripe", " (dry run, nothing changed)") } else { ("were changed", "") };
    let summary =
        format!("checked {} organization(s): {} {verb}, {} failed{note}", report.checked, report.drifted.len(), report.failed.len());
    let drift_table = table(["org", "field", "ours", "stripe"], drift, "");
    let failed_table = table(["org", "error"], failed, "");
    [drift_table, failed_table, summary]
        .into_iter()
        .map(|part| part.trim_end().to_owned())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}
