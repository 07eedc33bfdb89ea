//! Immediate price changes of a subscription's item with prorations invoiced at once
//! (`proration_behavior=always_invoice`), the pending updates of
//! `payment_behavior=pending_if_incomplete`, and their application once paid.

use serde_json::{json, Map, Value};

use super::charge;
use super::collect::{collect, Collected};
use super::proration;
use super::{emit_invoice, emit_subscription};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::render;
use crate::state::{Cause, Invoice, InvoiceLine, InvoiceStatus, PendingUpdate, State, SubStatus, Subscription};

/// How long Stripe keeps a pending update before discarding it at most: 23 hours.
pub const PENDING_LIFETIME_SECS: i64 = 23 * 3600;

/// `payment_behavior` of a subscription update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentBehavior {
    /// Stripe's default: the change applies whatever the payment does.
    Allow,
    /// The change waits for its payment.
    Pending,
    /// A payment that does not go through refuses the whole update (402).
    Refuse,
}

impl PaymentBehavior {
    /// Reads Stripe's spelling; `default_incomplete` is not simulated.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw {
            None | Some("allow_incomplete") => Ok(Self::Allow),
            Some("pending_if_incomplete") => Ok(Self::Pending),
            Some("error_if_incomplete") => Ok(Self::Refuse),
            Some(other) => {
                Err(ApiError::invalid_param("payment_behavior", format!("The simulator does not support payment_behavior={other}.")))
            }
        }
    }
}

/// The two proration lines of moving `sub` to `price` at `at`: a credit at the old price and a
/// charge at the new one, over the rest of the period.
pub fn proration_lines(state: &State, sub: &Subscription, price: &str, at: i64) -> Result<Vec<InvoiceLine>, ApiError> {
    let amount_of = |id: &str| state.price(id).map(|p| p.unit_amount).ok_or_else(|| ApiError::missing("price", "items[0][price]", id));
    let (credit, charge) = proration::lines(amount_of(&sub.price)?, amount_of(price)?, sub.period_start, sub.period_end, at);
    let line = |price: &str, amount: i64| InvoiceLine {
        id: new_id("il"),
        amount,
        price: price.to_owned(),
        proration: true,
        period_start: at.max(sub.period_start),
        period_end: sub.period_end,
    };
    Ok(vec![line(&sub.price, credit), line(price, charge)])
}

/// The `subscription_update` invoice of moving `sub` to `price` at `at`: the pending proration
/// lines (taken from `sub`) first, then the two of this change. The change and its preview both
/// make their invoice here, so the preview shows what the change charges.
pub(crate) fn change_invoice(state: &State, sub: &mut Subscription, price: &str, at: i64, now: i64) -> Result<Invoice, ApiError> {
    let currency =
        state.price(&sub.price).map(|p| p.currency.clone()).ok_or_else(|| ApiError::internal("the subscription's price vanished"))?;
    let lines = proration_lines(state, sub, price, at)?;
    let mut all = std::mem::take(&mut sub.pending_lines);
    all.extend(lines);
    let mut invoice = super::period_invoice(sub, &currency, 0, now, "subscription_update");
    invoice.lines = all;
    Ok(invoice)
}

/// With `error_if_incomplete`, the 402 that a change of `sub` to `price` would meet, found
/// before anything changes: the change's invoice is built on a copy and its payment foreseen.
pub fn refusal(state: &State, sub: &Subscription, price: &str, at: i64, now: i64, payment: PaymentBehavior) -> Result<(), ApiError> {
    if payment != PaymentBehavior::Refuse {
        return Ok(());
    }
    let invoice = change_invoice(state, &mut sub.clone(), price, at, now)?;
    super::collect::foresee(state, &invoice).error().map_or(Ok(()), Err)
}

/// An `always_invoice` change: the invoice is created, finalized and charged now. Paid (or
/// nothing to pay), the price switches; otherwise `payment` decides. A pending update is
/// dropped first, its invoice voided. The caller has checked [`refusal`] before any change.
pub fn always_invoice(
    state: &mut State,
    cause: &Cause,
    now: i64,
    mut sub: Subscription,
    price: &str,
    at: i64,
    payment: PaymentBehavior,
) -> Result<Subscription, ApiError> {
    let previous_invoice = sub.latest_invoice.clone();
    let mut invoice = change_invoice(state, &mut sub, price, at, now)?;
    let mut previous = drop_pending(state, cause, &mut sub, now)?;
    finalize(state, cause, &mut invoice, now)?;
    let collected = collect(state, &mut invoice, now);
    sub.latest_invoice = Some(invoice.id.clone());
    previous.insert("latest_invoice".into(), json!(previous_invoice));
    let change = Change { cause, now, price, previous };
    match (collected, payment) {
        (Collected::Paid, _) => {
            emit_invoice(state, cause, now, "invoice.paid", &invoice)?;
            emit_invoice(state, cause, now, "invoice.payment_succeeded", &invoice)?;
            switch(state, change, &mut sub)?;
        }
        (Collected::Failed(_) | Collected::NeedsAction, PaymentBehavior::Pending) => {
            wait_for_payment(state, change, &mut sub, &invoice, collected)?;
        }
        (Collected::Failed(_) | Collected::NeedsAction, PaymentBehavior::Allow) => {
            switch(state, change, &mut sub)?;
            charge::failed(state, cause, invoice, now, collected == Collected::NeedsAction)?;
        }
        (Collected::Failed(_) | Collected::NeedsAction, PaymentBehavior::Refuse) => {
            return Err(ApiError::internal("a payment found to go through by the refusal check failed"));
        }
    }
    state.subscriptions.get(&sub.id).cloned().ok_or_else(|| ApiError::internal("the subscription vanished"))
}

/// An `always_invoice` change once its invoice is charged: who asked, when, for which price,
/// and the `previous_attributes` gathered so far.
struct Change<'a> {
    cause: &'a Cause,
    now: i64,
    price: &'a str,
    previous: Map<String, Value>,
}

/// The price switches, with `customer.subscription.updated` (`previous_attributes.items`).
fn switch(state: &mut State, mut change: Change<'_>, sub: &mut Subscription) -> Result<(), ApiError> {
    let previous_items = render::subscription(state, sub)?.pointer("/items").cloned();
    change.previous.insert("items".into(), json!(previous_items));
    sub.price = change.price.to_owned();
    emit_subscription(state, change.cause, change.now, "customer.subscription.updated", sub, Some(Value::Object(change.previous)))
}

/// The price waits for the invoice's payment: the failure's events, then `pending_update` set
/// with `customer.subscription.updated`.
fn wait_for_payment(
    state: &mut State,
    mut change: Change<'_>,
    sub: &mut Subscription,
    invoice: &Invoice,
    collected: Collected,
) -> Result<(), ApiError> {
    charge::emit_failure(state, change.cause, invoice, change.now, collected)?;
    let expires_at = pending_expiry(sub, change.now);
    sub.pending_update = Some(PendingUpdate { price: change.price.to_owned(), expires_at, invoice: invoice.id.clone() });
    change.previous.entry("pending_update").or_insert(Value::Null);
    emit_subscription(state, change.cause, change.now, "customer.subscription.updated", sub, Some(Value::Object(change.previous)))
}

/// When a pending update made at `now` expires: Stripe keeps it 23 hours, but never past the end
/// of the current period or of a running trial.
fn pending_expiry(sub: &Subscription, now: i64) -> i64 {
    let trial_end = sub.trial_end.filter(|_| sub.status == SubStatus::Trialing);
    [Some(sub.period_end), trial_end].into_iter().flatten().fold(now + PENDING_LIFETIME_SECS, i64::min)
}

/// `invoice.created`, then the invoice open with `invoice.finalized`.
fn finalize(state: &mut State, cause: &Cause, invoice: &mut Invoice, now: i64) -> Result<(), ApiError> {
    emit_invoice(state, cause, now, "invoice.created", invoice)?;
    invoice.status = InvoiceStatus::Open;
    emit_invoice(state, cause, now, "invoice.finalized", invoice)
}

/// The pending update of subscription `id` once its invoice `invoice` is paid: the price
/// switches and `pending_update` clears, with `customer.subscription.updated`.
pub fn apply_pending(state: &mut State, cause: &Cause, id: &str, invoice: &str, at: i64) -> Result<(), ApiError> {
    let Some(mut sub) = state.subscriptions.get(id).cloned() else {
        return Ok(());
    };
    let Some(pending) = sub.pending_update.clone().filter(|pending| pending.invoice == invoice) else {
        return Ok(());
    };
    let before = render::subscription(state, &sub)?;
    sub.price = pending.price;
    sub.pending_update = None;
    let previous = json!({"items": before.get("items"), "pending_update": before.get("pending_update")});
    emit_subscription(state, cause, at, "customer.subscription.updated", &sub, Some(previous))
}

/// A pending update past its `expires_at`: discarded, its invoice voided.
pub fn expire_pending(state: &mut State, id: &str, at: i64) -> Result<(), ApiError> {
    let stripe = Cause::default();
    let Some(mut sub) = state.subscriptions.get(id).cloned().filter(|sub| sub.pending_update.is_some()) else {
        return Ok(());
    };
    let previous = drop_pending(state, &stripe, &mut sub, at)?;
    emit_subscription(state, &stripe, at, "customer.subscription.pending_update_expired", &sub, None)?;
    emit_subscription(state, &stripe, at, "customer.subscription.updated", &sub, Some(Value::Object(previous)))
}

/// Drops the pending update of `sub` (changed here, stored by the caller), voiding its invoice
/// while open, so that no earlier change stays payable once another replaces it. Returns the
/// `previous_attributes` of the drop, empty when nothing was pending.
pub fn drop_pending(state: &mut State, cause: &Cause, sub: &mut Subscription, at: i64) -> Result<Map<String, Value>, ApiError> {
    let mut previous = Map::new();
    if sub.pending_update.is_none() {
        return Ok(previous);
    }
    let before = render::subscription(state, sub)?;
    let Some(pending) = sub.pending_update.take() else {
        return Ok(previous);
    };
    if let Some(invoice) = state.invoices.get(&pending.invoice).cloned().filter(|i| i.status == InvoiceStatus::Open) {
        void(state, cause, invoice, at)?;
    }
    previous.insert("pending_update".into(), before["pending_update"].clone());
    Ok(previous)
}

/// A pending update waiting for invoice `invoice`, which was voided by request, is dropped with
/// `customer.subscription.updated`.
pub fn forget_pending_of(state: &mut State, cause: &Cause, invoice: &Invoice, at: i64) -> Result<(), ApiError> {
    let waiting = |sub: &&Subscription| sub.pending_update.as_ref().is_some_and(|pending| pending.invoice == invoice.id);
    let Some(mut sub) = state.subscriptions.get(&invoice.subscription).filter(waiting).cloned() else {
        return Ok(());
    };
    let previous = drop_pending(state, cause, &mut sub, at)?;
    emit_subscription(state, cause, at, "customer.subscription.updated", &sub, Some(Value::Object(previous)))
}

/// Voids an open invoice: no more attempts, its PaymentIntent canceled, `invoice.voided`.
pub fn void(state: &mut State, cause: &Cause, mut invoice: Invoice, at: i64) -> Result<Invoice, ApiError> {
    invoice.status = InvoiceStatus::Void;
    invoice.next_payment_attempt = None;
    cancel_intent(state, &invoice);
    emit_invoice(state, cause, at, "invoice.voided", &invoice)?;
    Ok(invoice)
}

/// The PaymentIntent of a voided invoice is canceled.
fn cancel_intent(state: &mut State, invoice: &Invoice) {
    if let Some(intent) = invoice.payment_intent.as_ref().and_then(|id| state.payment_intents.get_mut(id)) {
        intent.status = crate::payments::IntentStatus::Canceled;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(status: SubStatus, period_end: i64, trial_end: Option<i64>) -> Subscription {
        Subscription {
            id: "sub_1".into(),
            created: 0,
            customer: "cus_1".into(),
            item_id: "si_1".into(),
            price: "price_team_monthly".into(),
            status,
            period_start: 0,
            period_end,
            cancel_at_period_end: false,
            canceled_at: None,
            ended_at: None,
            latest_invoice: None,
            metadata: crate::state::Metadata::new(),
            schedule: None,
            pending_update: None,
            pending_lines: Vec::new(),
            trial_start: None,
            trial_end,
            trial_will_end_sent: false,
        }
    }

    #[test]
    fn a_pending_update_lasts_23_hours_at_most_and_never_past_the_period_or_a_running_trial() {
        let now = 1_000_000;
        let far = now + 10 * 86_400;

        assert_eq!(pending_expiry(&sub(SubStatus::Active, far, None), now), now + PENDING_LIFETIME_SECS);
        assert_eq!(pending_expiry(&sub(SubStatus::Active, now + 3600, None), now), now + 3600);
        assert_eq!(pending_expiry(&sub(SubStatus::Trialing, far, Some(now + 60)), now), now + 60);
        assert_eq!(pending_expiry(&sub(SubStatus::Active, far, Some(now - 86_400)), now), now + PENDING_LIFETIME_SECS);
    }
}
