use super::*;
use crate::input::Actor;
use crate::ports::{CheckoutSession, CheckoutSessionInfo, PaymentError};
use mockall::Sequence;

#[tokio::test]
async fn checkout_creates_the_customer_then_the_session_then_records_it() {
    let mut seq = Sequence::new();
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, new_org());
    payments
        .expect_create_customer()
        .withf(|o, email, key| o == &org("org_1") && email.as_deref() == Some("a@b.c") && key.as_str() == "billing:customer:org_1:v0")
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(customer("cus_9")));
    payments
        .expect_create_checkout_session()
        .withf(|r, key| {
            r.customer == customer("cus_9")
                && r.price == price("price_team")
                && r.success_url.contains("{CHECKOUT_SESSION_ID}")
                && key.as_str() == "billing:checkout:org_1:v0:team"
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(CheckoutSession { id: session("cs_9"), url: "https://checkout.example/cs_9".into(), expires_at: at(DAY) }));
    repo.expect_commit()
        .withf(|c| {
            c.state.pending_checkout().map(|p| p.session_id.as_str()) == Some("cs_9") && c.state.customer_id() == Some(&customer("cus_9"))
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(1));
    let started = service(repo, payments, 0)
        .start_checkout(&org("org_1"), Actor::User("u".into()), plan("team"), Some("a@b.c".into()))
        .await
        .unwrap();
    assert_eq!(started.session.id, session("cs_9"));
}

#[tokio::test]
async fn checkout_that_times_out_at_stripe_saves_nothing() {
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, new_org());
    payments.expect_create_customer().returning(|_, _, _| Ok(customer("cus_9")));
    payments.expect_create_checkout_session().returning(|_, _| Err(PaymentError::Timeout));
    repo.expect_commit().never();
    let err = service(repo, payments, 0).start_checkout(&org("org_1"), Actor::System, plan("team"), None).await.unwrap_err();
    assert!(matches!(err, crate::services::BillingError::Payment(PaymentError::Timeout)));
}

fn session_info(reference: Option<&str>, paid: bool) -> CheckoutSessionInfo {
    CheckoutSessionInfo {
        id: session("cs_1"),
        complete: paid,
        paid,
        customer: Some(customer("cus_other")),
        subscription: Some(sub("sub_1")),
        org_reference: reference.map(str::to_owned),
    }
}

#[tokio::test]
async fn verifying_another_organizations_session_is_refused() {
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, new_org());
    payments.expect_retrieve_checkout_session().returning(|_| Ok(session_info(Some("org_2"), true)));
    repo.expect_commit().never();
    payments.expect_retrieve_subscription().never();
    let err = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap_err();
    assert!(matches!(err, crate::services::BillingError::SessionNotOwned));
}

#[tokio::test]
async fn verifying_a_paid_session_applies_the_subscription_at_once() {
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, new_org());
    payments.expect_retrieve_checkout_session().returning(|_| Ok(session_info(Some("org_1"), true)));
    payments.expect_retrieve_subscription().times(1).returning(|_| Ok(snapshot("price_team", SubscriptionStatus::Active)));
    repo.expect_commit().withf(|c| c.state.plan() == &plan("team")).times(1).returning(|_| Ok(1));
    let verified = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap();
    assert_eq!((verified.paid, verified.plan, verified.status), (true, plan("team"), SubscriptionStatus::Active));
}

#[tokio::test]
async fn unpaid_session_is_reported_without_provisioning() {
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, new_org());
    payments.expect_retrieve_checkout_session().returning(|_| Ok(session_info(Some("org_1"), false)));
    payments.expect_retrieve_subscription().never();
    repo.expect_commit().never();
    let verified = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap();
    assert_eq!((verified.paid, verified.plan), (false, plan("free")));
}

#[tokio::test]
async fn portal_link_needs_a_customer() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, new_org());
    let err = service(repo, MockPaymentProvider::new(), 0).portal_link(&org("org_1")).await.unwrap_err();
    assert!(matches!(err, crate::services::BillingError::NoCustomer));
}

#[tokio::test]
async fn portal_link_is_created_for_the_customer_with_the_return_url() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, super::team_state());
    let mut payments = MockPaymentProvider::new();
    payments
        .expect_create_portal_session()
        .withf(|c, url, key| {
            c == &customer("cus_1") && url == "https://app.example/billing" && key.as_str().starts_with("billing:portal:org_1:v4:")
        })
        .times(1)
        .returning(|_, _, _| Ok(crate::ports::PortalSession { url: "https://portal.example/s".into() }));
    repo.expect_commit().never();
    let link = service(repo, payments, 0).portal_link(&org("org_1")).await.unwrap();
    assert_eq!(link.url, "https://portal.example/s");
}
