use super::*;
use crate::effect::{AuditCause, AuditEntry};
use crate::ids::IdempotencyKey;
use crate::input::Actor;
use crate::ports::{PaymentError, RepositoryError};
use crate::services::PlanChangeRequest;
use mockall::Sequence;

#[tokio::test]
async fn cancel_calls_stripe_before_saving_the_new_state() {
    let mut seq = Sequence::new();
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, team_state());
    payments
        .expect_set_cancel_at_period_end()
        .withf(|s, cancel, key| {
            s == &sub("sub_1") && *cancel && key == &IdempotencyKey::for_operation("cancel_at_period_end", &org("org_1"), 4, "true")
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(snapshot("price_team", SubscriptionStatus::Active)));
    repo.expect_commit()
        .withf(|c| c.state.cancel_at_period_end() && c.state.version() == 4 && c.next_timer_at == Some(period(0).end()))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(5));
    let state = service(repo, payments, DAY).cancel_at_period_end(&org("org_1"), Actor::User("u".into())).await.unwrap();
    assert!(state.cancel_at_period_end());
    assert_eq!(state.version(), 5);
}

#[tokio::test]
async fn nothing_is_saved_when_stripe_times_out() {
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, team_state());
    payments.expect_set_cancel_at_period_end().returning(|_, _, _| Err(PaymentError::Timeout));
    repo.expect_commit().never();
    let err = service(repo, payments, DAY).cancel_at_period_end(&org("org_1"), Actor::System).await.unwrap_err();
    assert!(matches!(err, crate::services::BillingError::Payment(PaymentError::Timeout)));
}

#[tokio::test]
async fn a_concurrent_change_makes_the_command_decide_again_on_fresh_state() {
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, team_state());
    payments.expect_change_price_now().times(2).returning(|_, _| Ok(snapshot("price_enterprise", SubscriptionStatus::Active)));
    let mut first = true;
    repo.expect_commit().times(2).returning(move |_| {
        if std::mem::take(&mut first) {
            Err(RepositoryError::VersionConflict { org: org("org_1"), expected: 4 })
        } else {
            Ok(5)
        }
    });
    let state =
        service(repo, payments, DAY).change_plan(&org("org_1"), Actor::System, PlanChangeRequest::to(plan("enterprise"))).await.unwrap();
    assert_eq!(state.plan(), &plan("enterprise"));
}

#[tokio::test]
async fn an_invalid_transition_touches_neither_stripe_nor_storage() {
    let mut repo = MockBillingRepository::new();
    let payments = MockPaymentProvider::new();
    loads(&mut repo, new_org());
    repo.expect_commit().never();
    let err = service(repo, payments, DAY).reactivate(&org("org_1"), Actor::System).await.unwrap_err();
    assert!(matches!(err, crate::services::BillingError::Transition(crate::decide::TransitionError::NoSubscription)));
}

#[tokio::test]
async fn due_downgrade_is_applied_by_the_timer_run() {
    let rules = rules();
    let scheduled = crate::decide::decide(
        &rules,
        &team_state(),
        Input::Command { actor: Actor::System, command: crate::input::Command::change_plan(plan("solo")) },
        at(DAY),
    )
    .unwrap()
    .state;
    let mut repo = MockBillingRepository::new();
    repo.expect_due_timers().returning(|_, _| Ok(vec![org("org_1")]));
    let stored = std::sync::Arc::new(std::sync::Mutex::new(scheduled));
    let reader = stored.clone();
    repo.expect_load_or_create().returning(move |_, _| Ok(reader.lock().unwrap().clone()));
    repo.expect_commit().times(1).returning(move |c| {
        *stored.lock().unwrap() = c.state.clone();
        Ok(6)
    });
    let fired = service(repo, MockPaymentProvider::new(), 31 * DAY).run_due_timers(10).await.unwrap();
    assert_eq!(fired, 1);
}

#[tokio::test]
async fn reconcile_applies_what_stripe_says_now() {
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, team_state());
    let mut canceled = snapshot("price_team", SubscriptionStatus::Canceled);
    canceled.canceled_at = Some(at(DAY));
    payments.expect_retrieve_subscription().times(1).returning(move |_| Ok(canceled.clone()));
    repo.expect_commit()
        .withf(|c| {
            c.state.plan() == &plan("free")
                && c.state.status() == SubscriptionStatus::Canceled
                && matches!(c.audit[..], [AuditEntry { cause: AuditCause::Reconcile { actor: Actor::System }, .. }])
        })
        .times(1)
        .returning(|_| Ok(5));
    let state = service(repo, payments, 2 * DAY).reconcile(&org("org_1"), Actor::System).await.unwrap();
    assert_eq!(state.status(), SubscriptionStatus::Canceled);
}

#[tokio::test]
async fn a_checkout_routed_through_the_generic_command_path_fails_and_saves_nothing() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, new_org());
    repo.expect_commit().never();
    let mut payments = MockPaymentProvider::new();
    payments.expect_create_checkout_session().never();
    let err = service(repo, payments, 0)
        .run_command(&org("org_1"), Actor::System, crate::input::Command::StartCheckout { plan: plan("team") })
        .await
        .unwrap_err();
    assert!(matches!(err, crate::services::BillingError::Payment(PaymentError::Unknown(_))));
}

#[tokio::test]
async fn a_declined_proration_charge_leaves_the_plan_unchanged() {
    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, team_state());
    payments.expect_change_price_now().times(1).returning(|_, _| {
        Err(PaymentError::PaymentFailed { hosted_invoice_url: Some("https://invoice.example/in_1".into()), user_message: None })
    });
    repo.expect_commit().never();
    let err = service(repo, payments, DAY).change_plan(&org("org_1"), Actor::System, PlanChangeRequest::to(plan("enterprise"))).await;
    assert!(matches!(err, Err(crate::services::BillingError::Payment(PaymentError::PaymentFailed { hosted_invoice_url: Some(_), .. }))));
}

#[tokio::test]
async fn a_downgrade_the_usage_does_not_fit_is_refused_unless_forced() {
    use crate::catalog::{LimitExceeded, LimitKind, Usage};
    use crate::decide::TransitionError;
    // Solo allows one user and ten projects.
    let usage = Usage { test_runs: 10, users: 12, projects: 7 };
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, team_state());
    repo.expect_commit().never();
    let request = PlanChangeRequest { usage: Some(usage), ..PlanChangeRequest::to(plan("solo")) };
    let err = service(repo, MockPaymentProvider::new(), DAY).change_plan(&org("org_1"), Actor::System, request.clone()).await;
    let Err(crate::services::BillingError::Transition(TransitionError::UsageExceedsTargetPlan { plan: target, exceeded })) = err else {
        panic!("expected a usage refusal, got {err:?}");
    };
    assert_eq!(target, plan("solo"));
    assert_eq!(exceeded, vec![LimitExceeded { limit: LimitKind::Users, allowed: 1, used: 12 }]);

    let mut repo = MockBillingRepository::new();
    let mut payments = MockPaymentProvider::new();
    loads(&mut repo, team_state());
    payments.expect_schedule_downgrade().times(1).returning(|_, _| Ok(()));
    repo.expect_commit().times(1).returning(|_| Ok(5));
    let forced = PlanChangeRequest { force: true, ..request };
    let state = service(repo, payments, DAY).change_plan(&org("org_1"), Actor::System, forced).await.unwrap();
    assert_eq!(state.scheduled_change().map(|c| c.plan.clone()), Some(plan("solo")));
}
