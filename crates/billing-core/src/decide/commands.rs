//! User and operator commands: checkout, cancel, reactivate, plan changes; reconciles and refunds
//! are decided in `operator`.

use chrono::{DateTime, Utc};

use super::draft::Draft;
use super::operator;
use super::schedule::note_own_change;
use super::subscription::end_subscription_now;
use super::{effective_plan, Decision, Outcome, Rules, TransitionError};
use crate::catalog::Plan;
use crate::catalog::Usage;
use crate::effect::{AuditCause, StripeCall};
use crate::ids::{PlanId, StripeCustomerId, StripeSubscriptionId};
use crate::input::{Actor, Command};
use crate::policy::{ChangeDirection, Policy};
use crate::state::{BillingState, PendingCheckout, ScheduledChange, SubscriptionStatus};

pub(super) fn on_command(
    rules: &Rules,
    state: &BillingState,
    actor: Actor,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Decision, TransitionError> {
    let name = command.name();
    let mut draft = Draft::new(state);
    match command {
        Command::StartCheckout { plan } => start_checkout(rules, &mut draft, &plan, now)?,
        Command::CheckoutOpened { session_id, plan, customer_id, url } => {
            checkout_opened(&mut draft, PendingCheckout { session_id, plan, created_at: now, url }, customer_id);
        }
        Command::CancelAtPeriodEnd => cancel_at_period_end(&mut draft, name)?,
        Command::Reactivate => reactivate(&mut draft, name)?,
        Command::ChangePlan { plan, proration_date, usage } => {
            change_plan(rules, &mut draft, PlanChange { target: &plan, proration_date: proration_date.unwrap_or(now), usage }, now)?;
        }
        Command::CancelScheduledChange => cancel_scheduled_change(&mut draft, name)?,
        Command::AdminCancelNow => {
            let subscription = live_subscription(draft.before(), name)?;
            draft.stripe("cancel_now", "", StripeCall::CancelNow { subscription: subscription.clone() });
            end_subscription_now(&mut draft, rules, subscription, now);
        }
        Command::Reconcile(snapshot) => return operator::reconcile(rules, state, snapshot, actor, now),
        Command::Refund(order) => return operator::refund(state, order, actor, now),
    }
    note_own_change(&mut draft, now);
    Ok(draft.finish(AuditCause::Command { name, actor }, Outcome::Applied, now))
}

fn plan<'r>(rules: &'r Rules, id: &PlanId) -> Result<&'r Plan, TransitionError> {
    rules.catalog.plan(id).ok_or_else(|| TransitionError::UnknownPlan(id.clone()))
}

/// The live subscription, or an error naming the state and the command.
fn live_subscription(state: &BillingState, input: &'static str) -> Result<StripeSubscriptionId, TransitionError> {
    match state.subscription_id() {
        Some(id) if state.has_live_subscription() => Ok(id.clone()),
        Some(_) => Err(TransitionError::NotAllowed { status: state.status(), input }),
        None => Err(TransitionError::NoSubscription),
    }
}

fn start_checkout(rules: &Rules, draft: &mut Draft<'_>, target: &PlanId, now: DateTime<Utc>) -> Result<(), TransitionError> {
    let state = draft.before();
    let plan = plan(rules, target)?;
    let price = plan.stripe_price().filter(|_| plan.is_paid()).ok_or_else(|| TransitionError::PlanNotPurchasable(target.clone()))?.clone();
    if state.has_live_subscription() && state.status() != SubscriptionStatus::Incomplete {
        return Err(TransitionError::AlreadySubscribed { plan: state.subscribed_plan().unwrap_or(state.plan()).clone() });
    }
    if let Some(pending) = state.pending_checkout().filter(|p| rules.policy.checkout_blocks_new_one(p, now)) {
        return Err(TransitionError::CheckoutInProgress {
            session_id: pending.session_id.clone(),
            started_at: pending.created_at,
            url: pending.url.clone(),
        });
    }
    let customer = state.customer_id().cloned();
    draft.stripe("checkout", target.as_str(), StripeCall::CreateCheckout { plan: target.clone(), price, customer });
    Ok(())
}

fn checkout_opened(draft: &mut Draft<'_>, pending: PendingCheckout, customer: StripeCustomerId) {
    let n = &mut draft.next;
    n.pending_checkout = Some(pending);
    if n.customer_id.is_none() {
        n.customer_id = Some(customer);
    }
}

fn cancel_at_period_end(draft: &mut Draft<'_>, name: &'static str) -> Result<(), TransitionError> {
    let state = draft.before();
    let subscription = live_subscription(state, name)?;
    // Stripe lets an incomplete subscription change only its metadata.
    if state.status() == SubscriptionStatus::Incomplete {
        return Err(TransitionError::NotAllowed { status: state.status(), input: name });
    }
    if state.cancel_at_period_end() {
        return Ok(());
    }
    // Stripe refuses to change a subscription that a schedule controls, so release it first.
    if state.scheduled_change().is_some() {
        draft.stripe("release_schedule", "cancel", StripeCall::ReleaseSchedule { subscription: subscription.clone() });
        draft.next.scheduled_change = None;
    }
    draft.stripe("cancel_at_period_end", "true", StripeCall::SetCancelAtPeriodEnd { subscription, cancel: true });
    draft.next.cancel_at_period_end = true;
    Ok(())
}

fn reactivate(draft: &mut Draft<'_>, name: &'static str) -> Result<(), TransitionError> {
    let state = draft.before();
    let subscription = live_subscription(state, name)?;
    if !state.cancel_at_period_end() {
        return Err(TransitionError::NotCanceling);
    }
    draft.stripe("cancel_at_period_end", "false", StripeCall::SetCancelAtPeriodEnd { subscription, cancel: false });
    draft.next.cancel_at_period_end = false;
    Ok(())
}

/// What a plan change asks for, beyond the target plan's id.
struct PlanChange<'a> {
    target: &'a PlanId,
    proration_date: DateTime<Utc>,
    usage: Option<Usage>,
}

fn change_plan(rules: &Rules, draft: &mut Draft<'_>, change: PlanChange<'_>, now: DateTime<Utc>) -> Result<(), TransitionError> {
    let PlanChange { target, proration_date, usage } = change;
    let name = "change_plan";
    let state = draft.before();
    let subscription = live_subscription(state, name)?;
    if !matches!(state.status(), SubscriptionStatus::Active | SubscriptionStatus::Trialing) || state.cancel_at_period_end() {
        return Err(TransitionError::NotAllowed { status: state.status(), input: name });
    }
    let to = plan(rules, target)?;
    let to_price = to.stripe_price().filter(|_| to.is_paid()).ok_or_else(|| TransitionError::PlanNotPurchasable(target.clone()))?.clone();
    let from = plan(rules, state.subscribed_plan().unwrap_or(state.plan()))?;
    let direction = Policy::direction(from, to);
    if direction == ChangeDirection::Same {
        return Err(TransitionError::SamePlan(target.clone()));
    }
    // Downgrade preflight: a lower plan whose limits the organization already exceeds would
    // lock its members out of their own data at period end, so it must be forced explicitly.
    if let Some(usage) = usage.filter(|_| direction == ChangeDirection::Downgrade) {
        let exceeded = to.limits().exceeded_by(&usage);
        if !exceeded.is_empty() {
            return Err(TransitionError::UsageExceedsTargetPlan { plan: target.clone(), exceeded });
        }
    }
    rules
        .policy
        .plan_change_allowed(state.recent_plan_changes(), now)
        .map_err(|retry_after| TransitionError::PlanChangeRateLimited { retry_after })?;
    if state.scheduled_change().is_some() {
        draft.stripe("release_schedule", target.as_str(), StripeCall::ReleaseSchedule { subscription: subscription.clone() });
        draft.next.scheduled_change = None;
    }
    match direction {
        ChangeDirection::Upgrade => {
            // The proration instant is part of the key: the same change quoted at another
            // instant is another request to Stripe, and reusing a key with other parameters fails.
            let detail = format!("{target}@{}", proration_date.timestamp());
            draft.stripe("upgrade", &detail, StripeCall::ChangePriceNow { subscription, price: to_price, proration_date });
            let n = &mut draft.next;
            n.subscribed_plan = Some(target.clone());
            n.plan = effective_plan(&rules.catalog, n.status, n.subscribed_plan.as_ref(), n.grace_until, now);
        }
        ChangeDirection::Downgrade | ChangeDirection::Same => {
            let period = state.period().ok_or(TransitionError::NoBillingPeriod)?;
            let current_price = from.stripe_price().ok_or_else(|| TransitionError::PlanNotPurchasable(from.id().clone()))?.clone();
            let effective_at = period.end();
            draft.stripe(
                "downgrade",
                target.as_str(),
                StripeCall::ScheduleDowngrade { subscription, current_price, price: to_price, effective_at },
            );
            draft.next.scheduled_change = Some(ScheduledChange { plan: target.clone(), effective_at });
        }
    }
    draft.next.recent_plan_changes = rules.policy.record_plan_change(state.recent_plan_changes(), now);
    Ok(())
}

fn cancel_scheduled_change(draft: &mut Draft<'_>, name: &'static str) -> Result<(), TransitionError> {
    let state = draft.before();
    let subscription = live_subscription(state, name)?;
    if state.scheduled_change().is_none() {
        return Err(TransitionError::NothingScheduled);
    }
    draft.stripe("release_schedule", "keep", StripeCall::ReleaseSchedule { subscription });
    draft.next.scheduled_change = None;
    Ok(())
}
