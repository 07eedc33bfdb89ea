//! Verifying a Checkout return: a session is the caller's only if its Stripe customer is not another's.

use super::*;
use crate::ports::CheckoutSessionInfo;
use crate::services::BillingError;

/// A complete, paid session of customer `cus_other` for `sub_1`, naming `reference`.
fn paid_session(reference: Option<&str>) -> CheckoutSessionInfo {
    CheckoutSessionInfo {
        id: session("cs_1"),
        complete: true,
        paid: true,
        customer: Some(customer("cus_other")),
        subscription: Some(sub("sub_1")),
        org_reference: reference.map(str::to_owned),
    }
}

/// The repository maps `cus_other` to `owner` (or to nobody).
fn cus_other_owned_by(repo: &mut MockBillingRepository, owner: Option<&'static str>) {
    repo.expect_find_by_customer().withf(|c| c == &customer("cus_other")).times(1).returning(move |_| Ok(owner.map(org)));
}

/// The session is fulfilled: the subscription is read once and the Team plan committed once.
fn expect_fulfilment(repo: &mut MockBillingRepository, payments: &mut MockPaymentProvider) {
    payments.expect_retrieve_subscription().times(1).returning(|_| Ok(snapshot("price_team", SubscriptionStatus::Active)));
    repo.expect_commit().withf(|c| c.state.plan() == &plan("team")).times(1).returning(|_| Ok(1));
}

#[tokio::test]
async fn a_session_naming_the_caller_whose_customer_belongs_to_another_organization_is_not_the_callers() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, new_org());
    payments.expect_retrieve_checkout_session().returning(|_| Ok(paid_session(Some("org_1"))));
    cus_other_owned_by(&mut repo, Some("org_2"));
    payments.expect_retrieve_subscription().never();
    repo.expect_commit().never();
    let err = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap_err();
    assert!(matches!(err, BillingError::SessionNotOwned), "got {err}");
}

#[tokio::test]
async fn a_session_naming_the_caller_whose_customer_nobody_owns_yet_is_the_callers() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, new_org());
    payments.expect_retrieve_checkout_session().returning(|_| Ok(paid_session(Some("org_1"))));
    cus_other_owned_by(&mut repo, None);
    expect_fulfilment(&mut repo, &mut payments);
    let verified = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap();
    assert_eq!(verified.plan(), &plan("team"));
}

#[tokio::test]
async fn a_session_naming_the_caller_whose_customer_the_caller_owns_is_the_callers() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, new_org());
    payments.expect_retrieve_checkout_session().returning(|_| Ok(paid_session(Some("org_1"))));
    cus_other_owned_by(&mut repo, Some("org_1"));
    expect_fulfilment(&mut repo, &mut payments);
    let verified = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap();
    assert_eq!(verified.plan(), &plan("team"));
}

#[tokio::test]
async fn a_session_of_the_callers_own_customer_is_the_callers_whatever_it_names() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    let mut parts = new_org().to_parts();
    parts.customer_id = Some(customer("cus_other"));
    loads(&mut repo, BillingState::from_parts(parts));
    payments.expect_retrieve_checkout_session().returning(|_| Ok(paid_session(None)));
    // The state already says whose customer it is, so storage is not asked again.
    repo.expect_find_by_customer().never();
    expect_fulfilment(&mut repo, &mut payments);
    let verified = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap();
    assert_eq!(verified.plan(), &plan("team"));
}

#[tokio::test]
async fn a_session_naming_the_caller_without_a_customer_is_checked_by_its_reference_alone() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, new_org());
    let open = CheckoutSessionInfo { customer: None, complete: false, paid: false, ..paid_session(Some("org_1")) };
    payments.expect_retrieve_checkout_session().returning(move |_| Ok(open.clone()));
    repo.expect_find_by_customer().never();
    repo.expect_commit().never();
    let err = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap_err();
    assert!(matches!(err, BillingError::CheckoutIncomplete), "got {err}");
}
