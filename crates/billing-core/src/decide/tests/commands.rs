use super::*;
use crate::decide::TransitionError;
use crate::state::ScheduledChange;

#[test]
fn checkout_for_a_paid_plan_asks_stripe_with_a_stable_idempotency_key() {
    let rules = rules();
    let a = command(&rules, &new_org(), Command::StartCheckout { plan: plan("team") }, at(0));
    let b = command(&rules, &new_org(), Command::StartCheckout { plan: plan("team") }, at(5));
    assert_eq!(stripe_calls(&a), vec![&StripeCall::CreateCheckout { plan: plan("team"), price: price("price_team"), customer: None }]);
    assert_eq!(a.effects, b.effects, "the same decision on the same version reuses its key");
}

#[test]
fn second_checkout_within_five_minutes_is_refused_and_allowed_after() {
    let rules = rules();
    let pending = command(
        &rules,
        &new_org(),
        Command::CheckoutOpened {
            session_id: session("cs_1"),
            plan: plan("team"),
            customer_id: customer("cus_1"),
            url: Some("https://checkout.stripe.com/c/pay/cs_1".into()),
        },
        at(0),
    )
    .state;
    let err =
        decide(&rules, &pending, Input::Command { actor: Actor::System, command: Command::StartCheckout { plan: plan("team") } }, at(299));
    assert_eq!(
        err,
        Err(TransitionError::CheckoutInProgress {
            session_id: session("cs_1"),
            started_at: at(0),
            url: Some("https://checkout.stripe.com/c/pay/cs_1".into())
        })
    );
    let later = command(&rules, &pending, Command::StartCheckout { plan: plan("solo") }, at(300));
    assert_eq!(stripe_calls(&later).len(), 1);
}

#[test]
fn free_plan_cannot_be_bought_and_subscribers_change_plan_instead() {
    let rules = rules();
    let start = |state: &BillingState, p: &str| {
        decide(&rules, state, Input::Command { actor: Actor::System, command: Command::StartCheckout { plan: plan(p) } }, at(0))
    };
    assert_eq!(start(&new_org(), "free"), Err(TransitionError::PlanNotPurchasable(plan("free"))));
    assert_eq!(start(&on_team(&rules), "enterprise"), Err(TransitionError::AlreadySubscribed { plan: plan("team") }));
}

#[test]
fn cancel_at_period_end_keeps_features_and_reactivate_undoes_it() {
    let rules = rules();
    let canceling = command(&rules, &on_team(&rules), Command::CancelAtPeriodEnd, at(100));
    assert!(canceling.state.cancel_at_period_end());
    assert_eq!(canceling.state.plan(), &plan("team"));
    assert_eq!(stripe_calls(&canceling), vec![&StripeCall::SetCancelAtPeriodEnd { subscription: sub("sub_1"), cancel: true }]);
    assert!(crate::notice::banners(&canceling.state, at(100)).contains(&Notice::EndsOn { date: at(30 * DAY) }));
    let back = command(&rules, &canceling.state, Command::Reactivate, at(200));
    assert!(!back.state.cancel_at_period_end());
    assert_eq!(stripe_calls(&back), vec![&StripeCall::SetCancelAtPeriodEnd { subscription: sub("sub_1"), cancel: false }]);
}

#[test]
fn reactivating_a_subscription_that_is_not_canceling_is_refused() {
    let rules = rules();
    let err = decide(&rules, &on_team(&rules), Input::Command { actor: Actor::System, command: Command::Reactivate }, at(0));
    assert_eq!(err, Err(TransitionError::NotCanceling));
}

#[test]
fn upgrade_applies_now_with_proration_invoiced() {
    let rules = rules();
    let d = command(&rules, &on_team(&rules), Command::change_plan(plan("enterprise")), at(15 * DAY));
    assert_eq!(d.state.plan(), &plan("enterprise"));
    assert_eq!(
        stripe_calls(&d),
        vec![&StripeCall::ChangePriceNow { subscription: sub("sub_1"), price: price("price_enterprise"), proration_date: at(15 * DAY) }]
    );
}

#[test]
fn downgrade_is_scheduled_for_period_end_and_keeps_the_current_plan() {
    let rules = rules();
    let d = command(&rules, &on_team(&rules), Command::change_plan(plan("solo")), at(15 * DAY));
    assert_eq!(d.state.plan(), &plan("team"));
    assert_eq!(d.state.scheduled_change(), Some(&ScheduledChange { plan: plan("solo"), effective_at: at(30 * DAY) }));
    assert!(crate::notice::banners(&d.state, at(15 * DAY)).contains(&Notice::PlanChangesOn { plan: plan("solo"), date: at(30 * DAY) }));
    let kept = command(&rules, &d.state, Command::CancelScheduledChange, at(16 * DAY));
    assert_eq!(kept.state.scheduled_change(), None);
    assert_eq!(stripe_calls(&kept), vec![&StripeCall::ReleaseSchedule { subscription: sub("sub_1") }]);
}

#[test]
fn sixth_plan_change_in_a_minute_is_rate_limited() {
    let rules = rules();
    let mut state = on_team(&rules);
    for (i, target) in ["enterprise", "team", "solo", "team", "solo"].iter().enumerate() {
        let now = at(DAY + i64::try_from(i).unwrap() * 5);
        state = command(&rules, &state, Command::change_plan(plan(target)), now).state;
        // Each downgrade schedules; drop it so the next upgrade is a real change.
        if state.scheduled_change().is_some() {
            state = command(&rules, &state, Command::CancelScheduledChange, now).state;
        }
    }
    let err = decide(&rules, &state, Input::Command { actor: Actor::System, command: Command::change_plan(plan("team")) }, at(DAY + 30));
    assert_eq!(err, Err(TransitionError::PlanChangeRateLimited { retry_after: at(DAY + 60) }));
}

#[test]
fn admin_cancel_now_drops_to_free_immediately() {
    let rules = rules();
    let d = command(&rules, &on_team(&rules), Command::AdminCancelNow, at(DAY));
    assert_eq!(d.state.plan(), &plan("free"));
    assert_eq!(d.state.status(), SubscriptionStatus::Canceled);
    assert_eq!(stripe_calls(&d), vec![&StripeCall::CancelNow { subscription: sub("sub_1") }]);
}

#[test]
fn commands_without_a_subscription_name_the_problem() {
    let rules = rules();
    let err = decide(&rules, &new_org(), Input::Command { actor: Actor::System, command: Command::CancelAtPeriodEnd }, at(0));
    assert_eq!(err, Err(TransitionError::NoSubscription));
}
