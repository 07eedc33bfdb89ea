//! Reconciling every paid organization: keyset pages, pacing between organizations, and one
//! organization's failure reported without stopping the others.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::effect::AuditCause;
use crate::input::Actor;
use crate::ports::PaymentError;
use crate::services::{BillingError, SweepMode};

/// The store lists org_1 and org_2 on the first page of two, then org_3 alone.
fn three_paid_orgs(repo: &mut MockBillingRepository) {
    repo.expect_paid_orgs()
        .withf(|after, limit| after.is_none() && *limit == 2)
        .times(1)
        .returning(|_, _| Ok(vec![org("org_1"), org("org_2")]));
    repo.expect_paid_orgs()
        .withf(|after, limit| after == &Some(org("org_2")) && *limit == 2)
        .times(1)
        .returning(|_, _| Ok(vec![org("org_3")]));
}

#[tokio::test]
async fn a_dry_run_visits_every_page_pauses_between_organizations_and_writes_nothing() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    three_paid_orgs(&mut repo);
    loads(&mut repo, team_state());
    repo.expect_commit().never();
    // org_2 drifted to Solo in Stripe; org_3 cannot be read; org_1 agrees.
    let calls = AtomicUsize::new(0);
    payments.expect_retrieve_subscription().times(3).returning(move |_| match calls.fetch_add(1, Ordering::SeqCst) {
        0 => Ok(snapshot("price_team", SubscriptionStatus::Active)),
        1 => Ok(snapshot("price_solo", SubscriptionStatus::Active)),
        _ => Err(PaymentError::Unavailable),
    });
    let pauses = AtomicUsize::new(0);
    let report = service(repo, payments, DAY)
        .sweep_paid_orgs(&SweepMode::DryRun, 2, || {
            pauses.fetch_add(1, Ordering::SeqCst);
            async {}
        })
        .await
        .unwrap();
    assert_eq!(report.checked, 3);
    assert_eq!(pauses.load(Ordering::SeqCst), 2, "between organizations, not before the first");
    assert_eq!(report.drifted.iter().map(|(o, f)| (o.as_str(), f[0].field)).collect::<Vec<_>>(), [("org_2", "plan")]);
    assert_eq!(report.failed.len(), 1);
    assert!(matches!(report.failed[0], (ref o, BillingError::Payment(PaymentError::Unavailable)) if o == &org("org_3")));
}

#[tokio::test]
async fn applying_reconciles_each_drifted_organization_audited_with_the_operator() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    repo.expect_paid_orgs().times(1).returning(|_, _| Ok(vec![org("org_1")]));
    loads(&mut repo, team_state());
    payments.expect_retrieve_subscription().times(1).returning(|_| Ok(snapshot("price_solo", SubscriptionStatus::Active)));
    repo.expect_commit()
        .withf(|c| c.audit[0].cause == AuditCause::Reconcile { actor: Actor::Admin("alice".into()) })
        .times(1)
        .returning(|_| Ok(5));
    let mode = SweepMode::Apply(Actor::Admin("alice".into()));
    let report = service(repo, payments, DAY).sweep_paid_orgs(&mode, 100, || async {}).await.unwrap();
    assert_eq!((report.checked, report.failed.len()), (1, 0));
    let fields: Vec<(&str, &str, &str)> = report.drifted[0].1.iter().map(|f| (f.field, f.ours.as_str(), f.stripe.as_str())).collect();
    assert_eq!(fields[..2], [("plan", "team", "solo"), ("subscribed_plan", "team", "solo")]);
}

#[tokio::test]
async fn an_empty_store_is_one_page_and_a_store_failure_ends_the_sweep() {
    let (mut repo, payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    repo.expect_paid_orgs().times(1).returning(|_, _| Ok(Vec::new()));
    let report = service(repo, payments, DAY).sweep_paid_orgs(&SweepMode::DryRun, 0, || async {}).await.unwrap();
    assert_eq!((report.checked, report.drifted.len(), report.failed.len()), (0, 0, 0));

    let (mut repo, payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    repo.expect_paid_orgs().withf(|_, limit| *limit == 1).times(1).returning(|_, _| Err(crate::ports::RepositoryError::Unavailable));
    let err = service(repo, payments, DAY).sweep_paid_orgs(&SweepMode::DryRun, 0, || async {}).await.unwrap_err();
    assert!(matches!(err, BillingError::Repository(crate::ports::RepositoryError::Unavailable)), "a page size of 0 asks for 1: {err:?}");
}
