//! Operator use cases: a reconcile on someone's behalf, and a refund checked against the
//! organization's own Stripe customer before anything is sent.

use super::*;
use crate::effect::AuditCause;
use crate::ids::{IdempotencyKey, StripeChargeId, StripeRefundId};
use crate::input::Actor;
use crate::ports::{PaymentError, RepositoryError};
use crate::refund::{ChargeSnapshot, Refund, RefundReason, RefundStatus};
use crate::services::{BillingError, RefundAsk};
use mockall::Sequence;

fn admin() -> Actor {
    Actor::Admin("alice".into())
}

fn charge_id() -> StripeChargeId {
    "ch_1".parse().unwrap()
}

/// Stripe reports charge `ch_1` (2900 cents) as made to `owner`, once.
fn charge_of(payments: &mut MockPaymentProvider, owner: &'static str, seq: &mut Sequence) {
    payments.expect_retrieve_charge().withf(|id| id == &charge_id()).times(1).in_sequence(seq).returning(move |_| {
        Ok(ChargeSnapshot { id: charge_id(), customer: Some(customer(owner)), amount: usd(2900), amount_refunded: usd(0) })
    });
}

fn issued(amount: i64) -> Refund {
    Refund { id: StripeRefundId::parse("re_1").unwrap(), charge: charge_id(), amount: usd(amount), status: RefundStatus::Succeeded }
}

fn ask(amount: Option<i64>, cancel: bool) -> RefundAsk {
    RefundAsk { charge: charge_id(), amount, reason: Some(RefundReason::Duplicate), cancel }
}

#[tokio::test]
async fn a_refund_reads_the_charge_refunds_it_and_commits_the_audit_in_that_order() {
    let (mut repo, mut payments, mut seq) = (MockBillingRepository::new(), MockPaymentProvider::new(), Sequence::new());
    loads(&mut repo, team_state());
    charge_of(&mut payments, "cus_1", &mut seq);
    let key = IdempotencyKey::for_request("refund", &org("org_1"), "ch_1 500 usd duplicate");
    payments
        .expect_create_refund()
        .withf(move |r, k| {
            r.charge == charge_id()
                && r.amount == Some(usd(500))
                && r.reason == Some(RefundReason::Duplicate)
                && r.org_id == org("org_1")
                && k == &key
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(issued(500)));
    repo.expect_commit()
        .withf(|c| {
            c.state == team_state()
                && c.audit.len() == 1
                && c.audit[0].cause == AuditCause::Refund { actor: admin(), charge: charge_id(), amount: usd(500) }
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(5));
    payments.expect_cancel_now().never();
    let done = service(repo, payments, DAY).refund(&org("org_1"), admin(), ask(Some(500), false)).await.unwrap();
    assert_eq!((done.refund, done.state.version()), (issued(500), 5));
}

#[tokio::test]
async fn another_tenants_charge_is_never_refunded_and_nothing_is_written() {
    let (mut repo, mut payments, mut seq) = (MockBillingRepository::new(), MockPaymentProvider::new(), Sequence::new());
    loads(&mut repo, team_state());
    charge_of(&mut payments, "cus_other", &mut seq);
    payments.expect_create_refund().never();
    repo.expect_commit().never();
    let err = service(repo, payments, DAY).refund(&org("org_1"), admin(), ask(None, false)).await.unwrap_err();
    assert!(matches!(err, BillingError::Transition(crate::decide::TransitionError::ChargeNotOwned(ref c)) if *c == charge_id()), "{err:?}");
}

#[tokio::test]
async fn an_organization_without_a_stripe_customer_is_refused_before_stripe_is_asked() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, new_org());
    payments.expect_retrieve_charge().never();
    let err = service(repo, payments, DAY).refund(&org("org_1"), admin(), ask(None, false)).await.unwrap_err();
    assert!(matches!(err, BillingError::NoCustomer), "{err:?}");
}

#[tokio::test]
async fn a_refund_with_cancel_cancels_now_after_the_refund_and_audits_both() {
    let (mut repo, mut payments, mut seq) = (MockBillingRepository::new(), MockPaymentProvider::new(), Sequence::new());
    loads(&mut repo, team_state());
    charge_of(&mut payments, "cus_1", &mut seq);
    payments.expect_create_refund().times(1).in_sequence(&mut seq).returning(|_, _| Ok(issued(2900)));
    repo.expect_commit()
        .withf(|c| matches!(c.audit[0].cause, AuditCause::Refund { .. }))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(5));
    payments.expect_cancel_now().times(1).in_sequence(&mut seq).returning(|_, _| Ok(snapshot("price_team", SubscriptionStatus::Canceled)));
    repo.expect_commit()
        .withf(|c| {
            c.state.status() == SubscriptionStatus::Canceled
                && c.audit[0].cause == AuditCause::Command { name: "admin_cancel_now", actor: admin() }
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(6));
    let done = service(repo, payments, DAY).refund(&org("org_1"), admin(), ask(None, true)).await.unwrap();
    assert_eq!((done.state.status(), done.refund.amount), (SubscriptionStatus::Canceled, usd(2900)));
}

#[tokio::test]
async fn a_cancellation_that_cannot_happen_stops_the_refund_before_it_is_made() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    let mut ended = team_state().to_parts();
    ended.status = SubscriptionStatus::Canceled;
    loads(&mut repo, BillingState::from_parts(ended));
    payments.expect_retrieve_charge().never();
    payments.expect_create_refund().never();
    let err = service(repo, payments, DAY).refund(&org("org_1"), admin(), ask(None, true)).await.unwrap_err();
    assert!(matches!(err, BillingError::Transition(crate::decide::TransitionError::NoSubscription)), "{err:?}");
}

#[tokio::test]
async fn a_cancellation_failing_after_the_refund_names_the_refund_that_was_made() {
    let (mut repo, mut payments, mut seq) = (MockBillingRepository::new(), MockPaymentProvider::new(), Sequence::new());
    loads(&mut repo, team_state());
    charge_of(&mut payments, "cus_1", &mut seq);
    payments.expect_create_refund().times(1).in_sequence(&mut seq).returning(|_, _| Ok(issued(2900)));
    repo.expect_commit().times(1).in_sequence(&mut seq).returning(|_| Ok(5));
    payments.expect_cancel_now().times(1).in_sequence(&mut seq).returning(|_, _| Err(PaymentError::Timeout));
    let err = service(repo, payments, DAY).refund(&org("org_1"), admin(), ask(None, true)).await.unwrap_err();
    assert!(err.to_string().contains("refund re_1 of 2900 usd was made"), "{err}");
    assert!(
        matches!(err, BillingError::CancelAfterRefund { ref source, .. } if matches!(**source, BillingError::Payment(PaymentError::Timeout)))
    );
}

#[tokio::test]
async fn a_refund_whose_audit_meets_a_concurrent_change_asks_stripe_again_with_the_same_key() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, team_state());
    payments.expect_retrieve_charge().times(1).returning(|_| {
        Ok(ChargeSnapshot { id: charge_id(), customer: Some(customer("cus_1")), amount: usd(2900), amount_refunded: usd(0) })
    });
    let keys = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = keys.clone();
    payments.expect_create_refund().times(2).returning(move |_, k| {
        seen.lock().unwrap().push(k.clone());
        Ok(issued(2900))
    });
    let mut first = true;
    repo.expect_commit().times(2).returning(move |_| {
        if std::mem::take(&mut first) {
            Err(RepositoryError::VersionConflict { org: org("org_1"), expected: 4 })
        } else {
            Ok(5)
        }
    });
    service(repo, payments, DAY).refund(&org("org_1"), admin(), ask(None, false)).await.unwrap();
    let keys = keys.lock().unwrap();
    assert_eq!(keys[0], keys[1], "Stripe replays the first refund instead of making a second");
}

#[tokio::test]
async fn an_operators_reconcile_is_audited_with_them_and_an_ended_subscription_is_not_read() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, team_state());
    payments.expect_retrieve_subscription().times(1).returning(|_| Ok(snapshot("price_solo", SubscriptionStatus::Active)));
    repo.expect_commit().withf(|c| c.audit[0].cause == AuditCause::Reconcile { actor: admin() }).times(1).returning(|_| Ok(5));
    let state = service(repo, payments, DAY).reconcile(&org("org_1"), admin()).await.unwrap();
    assert_eq!((state.plan(), state.version()), (&plan("solo"), 5));

    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    loads(&mut repo, new_org());
    payments.expect_retrieve_subscription().never();
    repo.expect_commit().never();
    assert_eq!(service(repo, payments, DAY).reconcile(&org("org_1"), admin()).await.unwrap(), new_org());
}

#[tokio::test]
async fn the_servers_past_due_reconcile_counts_the_organizations_it_reconciled_and_goes_on_past_a_failure() {
    let (mut repo, mut payments) = (MockBillingRepository::new(), MockPaymentProvider::new());
    repo.expect_past_due().withf(|limit| *limit == 10).times(1).returning(|_| Ok(vec![org("org_1"), org("org_2"), org("org_3")]));
    loads(&mut repo, team_state());
    let calls = std::sync::atomic::AtomicUsize::new(0);
    payments.expect_retrieve_subscription().times(3).returning(move |_| match calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
        1 => Err(PaymentError::Unavailable),
        _ => Ok(snapshot("price_solo", SubscriptionStatus::Active)),
    });
    repo.expect_commit().withf(|c| c.audit[0].cause == AuditCause::Reconcile { actor: Actor::System }).times(2).returning(|_| Ok(5));
    assert_eq!(service(repo, payments, DAY).reconcile_past_due(10).await.unwrap(), 2);
}
