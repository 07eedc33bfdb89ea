//! Reconciliation as a dry run: the drift against Stripe, field by field, and nothing written.

use super::*;
use crate::services::{drift, FieldDrift};

fn field(field: &'static str, ours: &str, stripe: &str) -> FieldDrift {
    FieldDrift { field, ours: ours.to_owned(), stripe: stripe.to_owned() }
}

#[test]
fn identical_states_show_no_drift_and_each_differing_field_is_listed_in_order() {
    let team = team_state();
    assert!(drift(&team, &team).is_empty());
    let rules = rules();
    let mut canceling = snapshot("price_solo", SubscriptionStatus::PastDue);
    canceling.cancel_at_period_end = true;
    let ev = event(2, 20, StripeFact::SubscriptionChanged(canceling));
    let moved = crate::decide::decide(&rules, &team, Input::Stripe(ev), at(20)).unwrap().state;
    let found = drift(&team, &moved);
    let names: Vec<&str> = found.iter().map(|f| f.field).collect();
    assert_eq!(names, ["plan", "subscribed_plan", "status", "cancel_at_period_end", "grace_until"], "{found:?}");
    assert_eq!(found[0], field("plan", "team", "solo"));
    assert_eq!(found[2], field("status", "active", "past_due"));
    assert_eq!(found[3], field("cancel_at_period_end", "false", "true"));
    assert_eq!(found[4].ours, "-");
}

#[tokio::test]
async fn a_dry_run_reads_stripe_and_writes_nothing() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, team_state());
    repo.expect_commit().never();
    payments.expect_retrieve_subscription().times(1).returning(|_| Ok(snapshot("price_solo", SubscriptionStatus::Active)));
    let found = service(repo, payments, 30).reconcile_preview(&org("org_1")).await.unwrap();
    assert_eq!(found.iter().map(|f| f.field).collect::<Vec<_>>(), ["plan", "subscribed_plan"]);
}

#[tokio::test]
async fn an_organization_without_a_live_subscription_has_nothing_to_compare() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, new_org());
    payments.expect_retrieve_subscription().never();
    assert!(service(repo, payments, 30).reconcile_preview(&org("org_1")).await.unwrap().is_empty());
}
