use super::*;
use crate::ids::IdempotencyKey;
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
        .withf(|o, email, key| {
            o == &org("org_1")
                && email.as_deref() == Some("a@b.c")
                && key == &IdempotencyKey::for_operation("customer", &org("org_1"), 0, "")
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(customer("cus_9")));
    payments
        .expect_create_checkout_session()
        .withf(|r, key| {
            r.customer == customer("cus_9")
                && r.price == price("price_team")
                && r.success_url.contains("{CHECKOUT_SESSION_ID}")
                && r.expires_at == at(0) + chrono::Duration::hours(24) - chrono::Duration::minutes(10)
                && key == &IdempotencyKey::for_operation("checkout", &org("org_1"), 0, "team")
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(CheckoutSession { id: session("cs_9"), url: "https://checkout.example/cs_9".into(), expires_at: at(DAY) }));
    repo.expect_commit()
        .withf(|c| {
            c.state.pending_checkout().map(|p| (p.session_id.as_str(), p.url.as_deref()))
                == Some(("cs_9", Some("https://checkout.example/cs_9")))
                && c.state.customer_id() == Some(&customer("cus_9"))
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
    repo.expect_find_by_customer().returning(|_| Ok(None));
    payments.expect_retrieve_subscription().times(1).returning(|_| Ok(snapshot("price_team", SubscriptionStatus::Active)));
    repo.expect_commit().withf(|c| c.state.plan() == &plan("team")).times(1).returning(|_| Ok(1));
    let verified = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap();
    assert_eq!((verified.plan(), verified.status()), (&plan("team"), SubscriptionStatus::Active));
}

/// `org_1` after opening Checkout session `cs_1` for Team.
fn pending_team_checkout() -> BillingState {
    let opened = crate::input::Command::CheckoutOpened {
        session_id: session("cs_1"),
        plan: plan("team"),
        customer_id: customer("cus_other"),
        url: Some("https://checkout.example/cs_1".into()),
    };
    let input = Input::Command { actor: Actor::System, command: opened };
    crate::decide::decide(&rules(), &new_org(), input, at(0)).map(|d| d.state).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn verification_and_the_completed_webhook_fulfil_once_with_the_same_audit_row() {
    use crate::effect::AuditCause;
    let rules = rules();
    let completion = crate::input::CheckoutCompletion {
        session_id: session("cs_1"),
        customer_id: Some(customer("cus_other")),
        subscription_id: Some(sub("sub_1")),
        complete: true,
        paid: true,
    };
    let pending = pending_team_checkout();
    let by_return = crate::decide::decide(&rules, &pending, Input::CheckoutVerified(completion.clone()), at(5)).unwrap();
    let hook = event(7, 4, StripeFact::CheckoutCompleted(completion.clone()));
    let by_webhook = crate::decide::decide(&rules, &pending, Input::Stripe(hook.clone()), at(5)).unwrap();
    let audit = |d: &crate::decide::Decision| {
        d.effects.iter().find_map(|e| if let crate::effect::Effect::Audit(a) = e { Some(a.clone()) } else { None })
    };
    let row = audit(&by_return).expect("the return fulfils");
    assert_eq!(row.cause, AuditCause::Checkout(session("cs_1")));
    assert_eq!(Some(row), audit(&by_webhook), "both paths write the same row");
    assert_eq!(by_return.state.plan(), &plan("team"));
    // Whichever comes second finds the checkout fulfilled and changes nothing.
    let then_webhook = crate::decide::decide(&rules, &by_return.state, Input::Stripe(hook), at(6)).unwrap();
    assert!(!then_webhook.changes(&by_return.state) && audit(&then_webhook).is_none());
    let then_return = crate::decide::decide(&rules, &by_webhook.state, Input::CheckoutVerified(completion), at(6)).unwrap();
    assert!(!then_return.changes(&by_webhook.state) && audit(&then_return).is_none());
}

#[tokio::test]
async fn an_open_session_is_incomplete_and_a_complete_unpaid_one_needs_payment_without_provisioning() {
    for (complete, paid, expected) in [(false, false, "incomplete"), (true, false, "payment_required")] {
        let mut repo = MockBillingRepository::new();
        let mut payments = MockPaymentProvider::new();
        loads(&mut repo, new_org());
        payments
            .expect_retrieve_checkout_session()
            .returning(move |_| Ok(CheckoutSessionInfo { complete, ..session_info(Some("org_1"), paid) }));
        repo.expect_find_by_customer().returning(|_| Ok(None));
        payments.expect_retrieve_subscription().never();
        repo.expect_commit().never();
        let err = service(repo, payments, 0).verify_checkout(&org("org_1"), &session("cs_1")).await.unwrap_err();
        let got = match err {
            crate::services::BillingError::CheckoutIncomplete => "incomplete",
            crate::services::BillingError::PaymentRequired => "payment_required",
            other => panic!("unexpected {other}"),
        };
        assert_eq!(got, expected);
    }
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
            c == &customer("cus_1") && url == "https://app.example/billing" && key.as_str().starts_with("billing:portal:v4:")
        })
        .times(1)
        .returning(|_, _, _| Ok(crate::ports::PortalSession { url: "https://portal.example/s".into() }));
    repo.expect_commit().never();
    let link = service(repo, payments, 0).portal_link(&org("org_1")).await.unwrap();
    assert_eq!(link.url, "https://portal.example/s");
}
