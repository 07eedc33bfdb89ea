//! What happens when simulated time moves: renewals invoiced and charged, period-end
//! cancellations, and retries of failed renewals, each at its due time with Stripe's events.

pub mod charge;
pub mod checkout;
pub mod collect;
pub mod price_change;
pub mod proration;
pub mod schedule;
pub mod trial;

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

use crate::error::ApiError;
use crate::ids::new_id;
use crate::render;
use crate::routes::checkout::PERIOD_SECS;
use crate::state::{Cause, Invoice, InvoiceLine, InvoiceStatus, State, SubStatus, Subscription};

/// Numbers invoices in creation order; process-wide, as only the order matters.
static INVOICE_SEQ: AtomicU64 = AtomicU64::new(0);

/// A guard against a loop that never runs out of due work.
const MAX_STEPS: usize = 10_000;

/// A draft invoice for the subscription's current period at its price.
pub fn period_invoice(sub: &Subscription, currency: &str, amount: i64, now: i64, reason: &'static str) -> Invoice {
    let line = InvoiceLine {
        id: new_id("il"),
        amount,
        price: sub.price.clone(),
        proration: false,
        period_start: sub.period_start,
        period_end: sub.period_end,
    };
    Invoice {
        id: new_id("in"),
        seq: INVOICE_SEQ.fetch_add(1, Ordering::Relaxed),
        created: now,
        customer: sub.customer.clone(),
        subscription: sub.id.clone(),
        subscription_item: sub.item_id.clone(),
        currency: currency.to_owned(),
        billing_reason: reason,
        lines: vec![line],
        status: InvoiceStatus::Draft,
        attempt_count: 0,
        paid_at: None,
        next_payment_attempt: None,
        payment_intent: None,
    }
}

/// One piece of work that falls due at a moment of simulated time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Due {
    PeriodEnd { at: i64, subscription: String },
    PendingExpiry { at: i64, subscription: String },
    TrialWillEnd { at: i64, subscription: String },
    Retry { at: i64, invoice: String },
}

impl Due {
    fn at(&self) -> i64 {
        match self {
            Self::PeriodEnd { at, .. } | Self::PendingExpiry { at, .. } | Self::TrialWillEnd { at, .. } | Self::Retry { at, .. } => *at,
        }
    }

    /// Which of two pieces of work due at the same time runs first: a pending update that expires
    /// with its period is discarded before the renewal, and retries come after renewals.
    fn rank(&self) -> u8 {
        match self {
            Self::PendingExpiry { .. } => 0,
            Self::PeriodEnd { .. } => 1,
            Self::TrialWillEnd { .. } => 2,
            Self::Retry { .. } => 3,
        }
    }
}

/// The earliest work due at or before `until`; at the same time, in [`Due::rank`] order.
fn next_due(state: &State, until: i64) -> Option<Due> {
    let period_ends = state
        .subscriptions
        .values()
        .filter(|sub| {
            matches!(sub.status, SubStatus::Trialing | SubStatus::Active | SubStatus::PastDue | SubStatus::Unpaid)
                && sub.period_end <= until
        })
        .map(|sub| Due::PeriodEnd { at: sub.period_end, subscription: sub.id.clone() });
    let expiries = state.subscriptions.values().filter_map(|sub| {
        let at = sub.pending_update.as_ref().map(|pending| pending.expires_at).filter(|at| *at <= until)?;
        Some(Due::PendingExpiry { at, subscription: sub.id.clone() })
    });
    let trials = state.subscriptions.values().filter_map(|sub| {
        let at = trial::will_end_due(sub).filter(|at| *at <= until)?;
        Some(Due::TrialWillEnd { at, subscription: sub.id.clone() })
    });
    let retries = state.invoices.values().filter_map(|invoice| {
        invoice.next_payment_attempt.filter(|at| *at <= until).map(|at| Due::Retry { at, invoice: invoice.id.clone() })
    });
    period_ends.chain(expiries).chain(trials).chain(retries).min_by_key(|due| (due.at(), due.rank()))
}

/// Runs every piece of work due up to `until`, oldest first, each at its own time.
pub fn run_due(state: &mut State, until: i64) -> Result<(), ApiError> {
    for _ in 0..MAX_STEPS {
        match next_due(state, until) {
            None => return Ok(()),
            Some(Due::PeriodEnd { at, subscription }) => period_end(state, &subscription, at)?,
            Some(Due::PendingExpiry { at, subscription }) => price_change::expire_pending(state, &subscription, at)?,
            Some(Due::TrialWillEnd { at, subscription }) => trial::will_end(state, &subscription, at)?,
            Some(Due::Retry { at, invoice }) => charge::retry(state, &invoice, at)?,
        }
    }
    Err(ApiError::internal("the clock advance did not settle"))
}

/// Stores a subscription and emits an event about it, caused by `cause` (`Cause::default()` for
/// Stripe's own changes).
pub(crate) fn emit_subscription(
    state: &mut State,
    cause: &Cause,
    at: i64,
    event_type: &str,
    sub: &Subscription,
    previous: Option<Value>,
) -> Result<(), ApiError> {
    state.subscriptions.insert(sub.id.clone(), sub.clone());
    let object = render::subscription(state, sub)?;
    state.emit(cause, at, event_type, object, previous);
    Ok(())
}

/// Stores an invoice and emits an event about it.
pub(crate) fn emit_invoice(state: &mut State, cause: &Cause, at: i64, event_type: &str, invoice: &Invoice) -> Result<(), ApiError> {
    state.invoices.insert(invoice.id.clone(), invoice.clone());
    let object = render::invoice(state, invoice)?;
    state.emit(cause, at, event_type, object, None);
    Ok(())
}

/// Ends `sub` at `at`, by every path that cancels one: `canceled` with
/// `customer.subscription.deleted`, its schedule canceled with it, and no automatic payment
/// attempt left on its open invoices, as Stripe stops collecting them once a subscription is
/// canceled. `canceled_at` is the caller's: the request's time, or that of the earlier request to
/// cancel at the period end.
pub(crate) fn end_subscription(state: &mut State, cause: &Cause, mut sub: Subscription, at: i64) -> Result<Subscription, ApiError> {
    sub.status = SubStatus::Canceled;
    sub.ended_at = Some(at);
    stop_collection(state, &sub.id);
    emit_subscription(state, cause, at, "customer.subscription.deleted", &sub, None)?;
    schedule::cancel_with(state, cause, &sub, at)?;
    Ok(sub)
}

/// Clears `next_payment_attempt` on the open invoices of subscription `id`: they stay open and
/// payable by request, but nothing retries them.
fn stop_collection(state: &mut State, id: &str) {
    let open = state.invoices.values_mut().filter(|invoice| invoice.subscription == id && invoice.status == InvoiceStatus::Open);
    for invoice in open {
        invoice.next_payment_attempt = None;
    }
}

/// The end of a period: a subscription set to cancel ends; any other renews.
fn period_end(state: &mut State, id: &str, at: i64) -> Result<(), ApiError> {
    let mut sub = state.subscriptions.get(id).cloned().ok_or_else(|| ApiError::internal("a due subscription vanished"))?;
    if sub.cancel_at_period_end {
        return end_subscription(state, &Cause::default(), sub, at).map(|_| ());
    }
    if schedule::end_if_over(state, &mut sub, at)? {
        return Ok(());
    }
    renew(state, sub, at)
}

/// A renewal: the period moves on, the cycle invoice is created and finalized, then charged
/// (Stripe's hour between creation and finalization is left out). Unpaid subscriptions are
/// invoiced without a charge.
fn renew(state: &mut State, mut sub: Subscription, at: i64) -> Result<(), ApiError> {
    let price = state.price(&sub.price).cloned().ok_or_else(|| ApiError::internal("the subscription's price vanished"))?;
    let stripe = Cause::default();
    let previous_items = render::subscription(state, &sub)?.pointer("/items").cloned();
    let mut previous = json!({"items": previous_items, "latest_invoice": sub.latest_invoice});
    trial::end_at_renewal(&mut sub, &mut previous);
    sub.period_start = sub.period_end;
    sub.period_end += PERIOD_SECS;
    let price = match schedule::price_at(state, &sub, sub.period_start) {
        Some(phase_price) => state.price(&phase_price).cloned().ok_or_else(|| ApiError::internal("a phase's price vanished"))?,
        None => price,
    };
    sub.price.clone_from(&price.id);
    let mut invoice = period_invoice(&sub, &price.currency, price.unit_amount, at, "subscription_cycle");
    invoice.lines.extend(std::mem::take(&mut sub.pending_lines));
    sub.latest_invoice = Some(invoice.id.clone());
    emit_subscription(state, &stripe, at, "customer.subscription.updated", &sub, Some(previous))?;
    schedule::phase_started(state, &sub, at)?;
    emit_invoice(state, &stripe, at, "invoice.created", &invoice)?;
    invoice.status = InvoiceStatus::Open;
    emit_invoice(state, &stripe, at, "invoice.finalized", &invoice)?;
    if sub.status == SubStatus::Unpaid {
        return Ok(());
    }
    charge::attempt(state, &stripe, invoice, at).map(|_| ())
}
