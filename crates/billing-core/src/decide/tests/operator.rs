//! Reconciles on someone's behalf and refunds (recovery procedures 2 and 3).

use super::*;
use crate::decide::TransitionError;
use crate::effect::{AuditCause, AuditEntry, StripeCommand};
use crate::ids::{IdempotencyKey, StripeChargeId};
use crate::refund::{ChargeSnapshot, RefundOrder, RefundReason};

fn admin() -> Actor {
    Actor::Admin("alice".into())
}

fn reconcile(rules: &Rules, state: &BillingState, snapshot: crate::input::SubscriptionSnapshot, actor: Actor) -> Decision {
    apply(rules, state, Input::Command { actor, command: Command::Reconcile(snapshot) }, at(40))
}

fn audits(d: &Decision) -> Vec<&AuditEntry> {
    d.effects.iter().filter_map(|e| if let Effect::Audit(a) = e { Some(a) } else { None }).collect()
}

fn charge_id(raw: &str) -> StripeChargeId {
    raw.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// A 2900-cent charge `ch_1` of `customer_id`, of which `refunded` cents were refunded already.
fn charge(customer_id: Option<&str>, refunded: i64) -> ChargeSnapshot {
    ChargeSnapshot { id: charge_id("ch_1"), customer: customer_id.map(customer), amount: usd(2900), amount_refunded: usd(refunded) }
}

fn refund(state: &BillingState, charge: ChargeSnapshot, amount: Option<i64>) -> Result<Decision, TransitionError> {
    let order = RefundOrder { charge, amount: amount.map(usd), reason: Some(RefundReason::RequestedByCustomer) };
    decide(&rules(), state, Input::Command { actor: admin(), command: Command::Refund(order) }, at(50))
}

#[test]
fn a_reconcile_that_moves_the_plan_is_audited_once_with_whoever_asked() {
    let rules = rules();
    let team = on_team(&rules);
    let d = reconcile(&rules, &team, snapshot("price_solo", SubscriptionStatus::Active), admin());
    assert_eq!(d.state.plan(), &plan("solo"));
    let rows = audits(&d);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].from_plan.as_str(), rows[0].to_plan.as_str()), ("team", "solo"));
    assert_eq!(rows[0].cause, AuditCause::Reconcile { actor: admin() });
}

#[test]
fn a_reconcile_that_changes_only_the_period_is_audited_too_and_one_that_changes_nothing_is_not() {
    let rules = rules();
    let team = on_team(&rules);
    let mut later = snapshot("price_team", SubscriptionStatus::Active);
    later.period = period(30 * DAY);
    let d = reconcile(&rules, &team, later, Actor::System);
    assert_eq!(d.state.period(), Some(period(30 * DAY)));
    let rows = audits(&d);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].from_plan.as_str(), rows[0].from_status, rows[0].to_plan.as_str(), rows[0].to_status),
        ("team", SubscriptionStatus::Active, "team", SubscriptionStatus::Active)
    );
    assert_eq!(
        (rows[0].cause.clone(), rows[0].at, rows[0].org_id.as_str()),
        (AuditCause::Reconcile { actor: Actor::System }, at(40), "org_1")
    );

    let same = reconcile(&rules, &team, snapshot("price_team", SubscriptionStatus::Active), admin());
    assert!(!same.changes(&team) && same.effects.is_empty(), "{:?}", same.effects);
}

#[test]
fn a_subscription_read_back_by_a_tie_is_audited_as_the_servers_reconcile() {
    let rules = rules();
    let team = on_team(&rules);
    let d = apply(&rules, &team, Input::SubscriptionFetched(snapshot("price_enterprise", SubscriptionStatus::Active)), at(40));
    assert_eq!(audits(&d)[0].cause, AuditCause::Reconcile { actor: Actor::System });
}

#[test]
fn a_charge_of_another_customer_or_of_none_is_never_refunded() {
    let team = on_team(&rules());
    assert_eq!(refund(&team, charge(Some("cus_other"), 0), None), Err(TransitionError::ChargeNotOwned(charge_id("ch_1"))));
    assert_eq!(refund(&team, charge(None, 0), None), Err(TransitionError::ChargeNotOwned(charge_id("ch_1"))));
    assert_eq!(refund(&new_org(), charge(None, 0), None), Err(TransitionError::ChargeNotOwned(charge_id("ch_1"))), "no customer at all");
}

#[test]
fn a_full_refund_asks_stripe_for_what_is_left_and_audits_that_amount_without_changing_the_state() {
    let team = on_team(&rules());
    let d = refund(&team, charge(Some("cus_1"), 900), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.state, team);
    assert_eq!(
        stripe_calls(&d),
        [&StripeCall::Refund { charge: charge_id("ch_1"), amount: None, reason: Some(RefundReason::RequestedByCustomer) }]
    );
    let rows = audits(&d);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].cause, AuditCause::Refund { actor: admin(), charge: charge_id("ch_1"), amount: usd(2000) });
    assert_eq!(
        (rows[0].from_plan.as_str(), rows[0].to_plan.as_str(), rows[0].from_status, rows[0].to_status, rows[0].at),
        ("team", "team", SubscriptionStatus::Active, SubscriptionStatus::Active, at(50))
    );
}

#[test]
fn a_partial_refund_must_be_positive_in_the_charges_currency_and_no_more_than_what_is_left() {
    let team = on_team(&rules());
    let ok = refund(&team, charge(Some("cus_1"), 900), Some(2000)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stripe_calls(&ok),
        [&StripeCall::Refund { charge: charge_id("ch_1"), amount: Some(usd(2000)), reason: Some(RefundReason::RequestedByCustomer) }]
    );
    assert_eq!(audits(&ok)[0].cause, AuditCause::Refund { actor: admin(), charge: charge_id("ch_1"), amount: usd(2000) });
    for too_much in [2001, 0, -5] {
        let refused = refund(&team, charge(Some("cus_1"), 900), Some(too_much));
        assert_eq!(refused, Err(TransitionError::RefundAmountOutOfRange { requested: usd(too_much), refundable: usd(2000) }), "{too_much}");
    }
    let eur = crate::money::Money::new(100, crate::money::Currency::parse("eur").unwrap_or_else(|e| panic!("{e}")));
    let order = RefundOrder { charge: charge(Some("cus_1"), 0), amount: Some(eur), reason: None };
    let refused = decide(&rules(), &team, Input::Command { actor: admin(), command: Command::Refund(order) }, at(50));
    assert_eq!(refused, Err(TransitionError::RefundAmountOutOfRange { requested: eur, refundable: usd(2900) }));
}

#[test]
fn a_charge_refunded_in_full_already_has_nothing_left_to_refund() {
    let team = on_team(&rules());
    assert_eq!(refund(&team, charge(Some("cus_1"), 2900), None), Err(TransitionError::NothingToRefund(charge_id("ch_1"))));
    assert_eq!(refund(&team, charge(Some("cus_1"), 2900), Some(1)), Err(TransitionError::NothingToRefund(charge_id("ch_1"))));
}

#[test]
fn the_same_refund_gets_the_same_key_whatever_the_state_version_and_another_refund_another_key() {
    let team = on_team(&rules());
    let key = |state: &BillingState, amount: Option<i64>| {
        let d = refund(state, charge(Some("cus_1"), 0), amount).unwrap_or_else(|e| panic!("{e}"));
        d.effects.iter().find_map(|e| {
            if let Effect::Stripe(StripeCommand { idempotency_key, .. }) = e {
                Some(idempotency_key.clone())
            } else {
                None
            }
        })
    };
    let mut parts = team.to_parts();
    parts.version += 7;
    let later = BillingState::from_parts(parts);
    assert_eq!(key(&team, None), key(&later, None));
    assert_eq!(key(&team, None), Some(IdempotencyKey::for_request("refund", &org("org_1"), "ch_1 rest requested_by_customer")));
    assert_ne!(key(&team, None), key(&team, Some(100)));
    assert_eq!(key(&team, Some(100)), Some(IdempotencyKey::for_request("refund", &org("org_1"), "ch_1 100 usd requested_by_customer")));
}
