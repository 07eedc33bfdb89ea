//! The audit trail: one row for every decision that moves the plan or the status, and none otherwise.

use super::*;
use crate::effect::{AuditCause, AuditEntry};
use crate::input::StripeFact;

fn audit_rows(d: &Decision) -> Vec<&AuditEntry> {
    d.effects.iter().filter_map(|e| if let Effect::Audit(a) = e { Some(a) } else { None }).collect()
}

#[test]
fn a_status_change_that_keeps_the_plan_is_audited() {
    let rules = rules();
    let failed = Input::Stripe(event(2, 100, StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 9_900))));
    let d = apply(&rules, &on_team(&rules), failed, at(100));
    let row = AuditEntry {
        org_id: org("org_1"),
        from_plan: plan("team"),
        from_status: SubscriptionStatus::Active,
        to_plan: plan("team"),
        to_status: SubscriptionStatus::PastDue,
        cause: AuditCause::StripeEvent(event_id("evt_2")),
        at: at(100),
    };
    assert_eq!(audit_rows(&d), [&row]);
}

#[test]
fn a_plan_change_that_keeps_the_status_is_audited_and_announced() {
    let rules = rules();
    let d = command(&rules, &on_team(&rules), Command::change_plan(plan("enterprise")), at(100));
    let rows = audit_rows(&d);
    assert_eq!(
        rows.iter().map(|r| (&r.from_plan, &r.to_plan, r.to_status)).collect::<Vec<_>>(),
        [(&plan("team"), &plan("enterprise"), SubscriptionStatus::Active)]
    );
    assert!(notices(&d).contains(&&Notice::PlanChanged { from: plan("team"), to: plan("enterprise") }));
}

#[test]
fn a_decision_that_moves_neither_plan_nor_status_writes_no_audit_row() {
    let rules = rules();
    let paid = Input::Stripe(event(2, 100, StripeFact::InvoicePaid(invoice_fact("in_1", 9_900))));
    let d = apply(&rules, &on_team(&rules), paid, at(100));
    assert!(audit_rows(&d).is_empty());
    assert!(d.state.last_payment_success().is_some(), "the payment itself was recorded");
}
