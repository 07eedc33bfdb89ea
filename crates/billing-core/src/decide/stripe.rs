//! Facts from Stripe other than subscription snapshots: checkout, invoices and refunds; the
//! dispatch of every Stripe fact to the module that decides it.

use chrono::{DateTime, Utc};

use super::draft::Draft;
use super::subscription::{is_ended, on_deleted, on_snapshot, order, Order};
use super::{effective_plan, Decision, Outcome, Rules, TransitionError};
use super::{reminders, schedule};
use crate::effect::{AuditCause, Effect};
use crate::ids::{CheckoutSessionId, StripeEventId, StripeSubscriptionId};
use crate::input::{CheckoutCompletion, InvoiceFact, StripeEvent, StripeFact};
use crate::notice::Notice;
use crate::policy::Policy;
use crate::state::{BillingState, InvoiceWatermark, PaymentRecord, SubscriptionStatus, Watermark};

pub(super) fn on_event(rules: &Rules, state: &BillingState, event: StripeEvent, now: DateTime<Utc>) -> Result<Decision, TransitionError> {
    let StripeEvent { id, created, fact } = event;
    match fact {
        StripeFact::SubscriptionChanged(s) => on_snapshot(rules, state, id, created, s, now),
        StripeFact::SubscriptionDeleted(s) => on_deleted(rules, state, id, created, s, now),
        StripeFact::CheckoutCompleted(c) => Ok(on_checkout_completed(rules, state, id, created, c, now)),
        StripeFact::CheckoutExpired { session_id } => Ok(on_checkout_expired(state, &session_id, id, now)),
        StripeFact::InvoicePaymentFailed(i) => Ok(on_payment_failed(rules, state, id, created, i, now)),
        StripeFact::InvoicePaid(i) => Ok(on_invoice_paid(rules, state, id, created, i, now)),
        StripeFact::InvoiceActionRequired(i) => Ok(on_action_required(state, id, created, &i, now)),
        StripeFact::ChargeRefunded { amount_refunded, fully_refunded, .. } => {
            let mut d = Draft::unchanged(state, Outcome::Applied);
            d.effects.push(Effect::Notify(Notice::RefundIssued { amount: amount_refunded, full: fully_refunded }));
            Ok(d)
        }
        StripeFact::TrialWillEnd { subscription_id, ends_at } => Ok(reminders::on_trial_will_end(state, &subscription_id, ends_at, now)),
        StripeFact::InvoiceUpcoming(invoice) => Ok(reminders::on_upcoming(state, &invoice, now)),
        StripeFact::ScheduleChanged(schedule) => Ok(schedule::on_schedule(rules, state, id, created, schedule, now)),
        StripeFact::DisputeOpened(dispute) => Ok(reminders::on_dispute(state, dispute, false)),
        StripeFact::DisputeClosed(dispute) => Ok(reminders::on_dispute(state, dispute, true)),
    }
}

/// True when an invoice is about a subscription other than the one we track.
fn other_subscription(state: &BillingState, invoice: &InvoiceFact) -> bool {
    match (&invoice.subscription_id, state.subscription_id()) {
        (Some(theirs), Some(ours)) => theirs != ours,
        _ => false,
    }
}

/// How many invoices an organization remembers the newest fact of.
const INVOICE_MEMORY: usize = 10;

/// True when a fact about the invoice is older than one already applied about the same invoice:
/// its news is outdated (a failure delivered after the payment that settled the invoice).
fn invoice_stale(state: &BillingState, invoice: &InvoiceFact, created: DateTime<Utc>) -> bool {
    state.invoice_watermarks().iter().any(|w| w.invoice_id == invoice.invoice_id && created < w.created)
}

/// Remembers `created` as the newest fact applied about the invoice. Callers have refused stale
/// facts, so `created` is never older than what is remembered. Beyond the bound, the invoice
/// heard of first is forgotten.
fn remember_invoice(draft: &mut Draft<'_>, invoice: &InvoiceFact, created: DateTime<Utc>) {
    let subscription_id = invoice.subscription_id.clone().or_else(|| draft.before().subscription_id().cloned());
    let marks = &mut draft.next.invoice_watermarks;
    match marks.iter_mut().find(|w| w.invoice_id == invoice.invoice_id) {
        Some(known) => known.created = created,
        None => marks.push(InvoiceWatermark { invoice_id: invoice.invoice_id.clone(), subscription_id, created }),
    }
    let excess = marks.len().saturating_sub(INVOICE_MEMORY);
    marks.drain(..excess);
}

/// `invoice.payment_action_required`: tells the customer, unless the invoice is another
/// subscription's or already has newer news (it was paid since).
fn on_action_required(
    state: &BillingState,
    event_id: StripeEventId,
    created: DateTime<Utc>,
    invoice: &InvoiceFact,
    now: DateTime<Utc>,
) -> Decision {
    if other_subscription(state, invoice) {
        return Draft::unchanged(state, Outcome::Applied);
    }
    if invoice_stale(state, invoice, created) {
        return Draft::unchanged(state, Outcome::Stale);
    }
    let mut draft = Draft::new(state);
    remember_invoice(&mut draft, invoice, created);
    draft.notify(Notice::PaymentActionRequired);
    draft.finish(AuditCause::StripeEvent(event_id), Outcome::Applied, now)
}

fn on_checkout_completed(
    rules: &Rules,
    state: &BillingState,
    event_id: StripeEventId,
    created: DateTime<Utc>,
    c: CheckoutCompletion,
    now: DateTime<Utc>,
) -> Decision {
    let news = order(state, created, Some(&event_id));
    let watermark = |sub: StripeSubscriptionId| Some(Watermark { subscription_id: Some(sub), created, event_id: Some(event_id.clone()) });
    fulfil_checkout(rules, state, c, news, watermark, now)
}

/// The customer came back from a session that Stripe reports complete and paid. This is the
/// same fulfilment as `checkout.session.completed`, so whichever arrives first applies and the
/// other finds nothing left to do; both write the same audit row. The session carries no time
/// of Stripe's, so it moves no watermark: subscription events keep their order among themselves.
pub(super) fn on_checkout_verified(rules: &Rules, state: &BillingState, c: CheckoutCompletion, now: DateTime<Utc>) -> Decision {
    fulfil_checkout(rules, state, c, Order::Newer, |_| None, now)
}

/// Provisions the plan a completed, paid checkout bought, once.
fn fulfil_checkout(
    rules: &Rules,
    state: &BillingState,
    c: CheckoutCompletion,
    news: Order,
    watermark: impl FnOnce(StripeSubscriptionId) -> Option<Watermark>,
    now: DateTime<Utc>,
) -> Decision {
    let pending_plan = state.pending_checkout().filter(|p| p.session_id == c.session_id).map(|p| p.plan.clone());
    let mut draft = Draft::new(state);
    if pending_plan.is_some() {
        draft.next.pending_checkout = None;
    }
    if draft.next.customer_id.is_none() {
        draft.next.customer_id = c.customer_id.clone();
    }
    let provisionable = Policy::may_provision_from_checkout(c.complete, c.paid) && !state.has_live_subscription();
    if let (Some(sub), true) = (c.subscription_id.filter(|s| !is_ended(state, s)), provisionable) {
        match (pending_plan, news) {
            (Some(plan), Order::Newer) if rules.catalog.plan(&plan).is_some() => {
                let n = &mut draft.next;
                n.subscription_id = Some(sub.clone());
                n.status = SubscriptionStatus::Active;
                n.subscribed_plan = Some(plan.clone());
                n.plan = effective_plan(&rules.catalog, SubscriptionStatus::Active, Some(&plan), None, now);
                n.grace_until = None;
                n.cancel_at_period_end = false;
                n.scheduled_change = None;
                n.canceled_at = None;
                if let Some(w) = watermark(sub) {
                    n.watermark = Some(w);
                }
            }
            // Without the plan we asked for, the subscription itself says what was bought.
            _ => draft.effect(Effect::RefetchSubscription(sub)),
        }
    }
    draft.finish(AuditCause::Checkout(c.session_id), Outcome::Applied, now)
}

fn on_checkout_expired(state: &BillingState, session: &CheckoutSessionId, event_id: StripeEventId, now: DateTime<Utc>) -> Decision {
    if state.pending_checkout().is_none_or(|p| &p.session_id != session) {
        return Draft::unchanged(state, Outcome::Applied);
    }
    let mut draft = Draft::new(state);
    draft.next.pending_checkout = None;
    draft.finish(AuditCause::StripeEvent(event_id), Outcome::Applied, now)
}

fn record(invoice: &InvoiceFact, at: DateTime<Utc>) -> PaymentRecord {
    PaymentRecord {
        at,
        amount: invoice.amount,
        invoice_id: Some(invoice.invoice_id.clone()),
        hosted_invoice_url: invoice.hosted_invoice_url.clone(),
    }
}

/// Where an invoice event stands against the newest subscription snapshot applied.
fn status_news(state: &BillingState, created: DateTime<Utc>) -> Order {
    match state.watermark() {
        None => Order::Newer,
        Some(w) if created > w.created => Order::Newer,
        Some(w) if created == w.created => Order::Tie,
        Some(_) => Order::Stale,
    }
}

/// An invoice event would change the status but shares its second with the newest snapshot:
/// which came first is unknowable, so ask Stripe for the subscription instead of guessing.
fn tie_on_status(mut decision: Decision, state: &BillingState) -> Decision {
    if let Some(id) = state.subscription_id() {
        decision.effects.push(Effect::RefetchSubscription(id.clone()));
        decision.outcome = Outcome::Tie;
    }
    decision
}

/// Finishes an invoice decision whose status change `change` applies only when the invoice is
/// newer than the newest snapshot; in the same second it becomes a tie, when older it is dropped.
fn finish_status_change(
    mut draft: Draft<'_>,
    created: DateTime<Utc>,
    event_id: StripeEventId,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut Draft<'_>),
) -> Decision {
    let state = draft.before();
    let order = status_news(state, created);
    if matches!(order, Order::Newer | Order::Duplicate) {
        change(&mut draft);
    }
    let decision = draft.finish(AuditCause::StripeEvent(event_id), Outcome::Applied, now);
    match order {
        Order::Tie => tie_on_status(decision, state),
        Order::Newer | Order::Duplicate | Order::Stale => decision,
    }
}

fn on_payment_failed(
    rules: &Rules,
    state: &BillingState,
    event_id: StripeEventId,
    created: DateTime<Utc>,
    invoice: InvoiceFact,
    now: DateTime<Utc>,
) -> Decision {
    if other_subscription(state, &invoice) {
        return Draft::unchanged(state, Outcome::Applied);
    }
    let attempt = record(&invoice, created);
    if state.last_payment_attempt() == Some(&attempt) {
        return Draft::unchanged(state, Outcome::Duplicate);
    }
    if invoice_stale(state, &invoice, created) {
        return Draft::unchanged(state, Outcome::Stale);
    }
    let mut draft = Draft::new(state);
    remember_invoice(&mut draft, &invoice, created);
    if state.last_payment_attempt().is_none_or(|a| a.at <= created) {
        draft.next.last_payment_attempt = Some(attempt);
    }
    let after_last_success = state.last_payment_success().is_none_or(|s| s.at < created);
    let would_change = matches!(state.status(), SubscriptionStatus::Active | SubscriptionStatus::Trialing);
    if !(would_change && after_last_success && state.subscription_id().is_some()) {
        return draft.finish(AuditCause::StripeEvent(event_id), Outcome::Applied, now);
    }
    finish_status_change(draft, created, event_id, now, |draft| {
        let grace_until = rules.policy.grace_deadline(created);
        let n = &mut draft.next;
        n.status = SubscriptionStatus::PastDue;
        n.grace_until = Some(grace_until);
        n.plan = effective_plan(&rules.catalog, n.status, n.subscribed_plan.as_ref(), n.grace_until, now);
        draft.notify(Notice::PaymentFailed { grace_until, amount: Some(invoice.amount) });
    })
}

fn on_invoice_paid(
    rules: &Rules,
    state: &BillingState,
    event_id: StripeEventId,
    created: DateTime<Utc>,
    invoice: InvoiceFact,
    now: DateTime<Utc>,
) -> Decision {
    if other_subscription(state, &invoice) {
        return Draft::unchanged(state, Outcome::Applied);
    }
    // `invoice.paid` and `invoice.payment_succeeded` describe the same payment: count it once.
    if state.last_payment_success().is_some_and(|s| s.invoice_id.as_ref() == Some(&invoice.invoice_id)) {
        return Draft::unchanged(state, Outcome::Duplicate);
    }
    if state.last_payment_success().is_some_and(|s| s.at > created) || invoice_stale(state, &invoice, created) {
        return Draft::unchanged(state, Outcome::Stale);
    }
    let mut draft = Draft::new(state);
    remember_invoice(&mut draft, &invoice, created);
    draft.next.last_payment_success = Some(record(&invoice, created));
    let recovering = matches!(state.status(), SubscriptionStatus::PastDue | SubscriptionStatus::Unpaid | SubscriptionStatus::Incomplete);
    let after_last_failure = state.last_payment_attempt().is_none_or(|a| a.at <= created);
    if !(recovering && after_last_failure && state.subscription_id().is_some()) {
        return draft.finish(AuditCause::StripeEvent(event_id), Outcome::Applied, now);
    }
    finish_status_change(draft, created, event_id, now, |draft| {
        let n = &mut draft.next;
        n.status = SubscriptionStatus::Active;
        n.grace_until = None;
        n.plan = effective_plan(&rules.catalog, n.status, n.subscribed_plan.as_ref(), None, now);
    })
}
