//! Subscriptions in the endive shape: the period on the item, `billing_mode` flexible.

use serde_json::{json, Value};

use super::{metadata, set, set_at};
use crate::config::PriceConfig;
use crate::error::ApiError;
use crate::state::{PendingUpdate, State, SubStatus, Subscription};
use crate::templates::{template, Kind};

fn status(status: SubStatus) -> &'static str {
    match status {
        SubStatus::Incomplete => "incomplete",
        SubStatus::Trialing => "trialing",
        SubStatus::Active => "active",
        SubStatus::PastDue => "past_due",
        SubStatus::Unpaid => "unpaid",
        SubStatus::Canceled => "canceled",
    }
}

/// The item's `price` (and its legacy twin `plan`) from the configured price.
fn price_into(item: &mut Value, price: &PriceConfig) {
    for key in ["price", "plan"] {
        if let Some(target) = item.get_mut(key) {
            set(target, "id", price.id.as_str());
            set(target, "product", price.product.as_str());
            set(target, "nickname", price.nickname.as_str());
            set(target, "currency", price.currency.as_str());
        }
    }
    set_at(item, &["price", "unit_amount"], price.unit_amount);
    set_at(item, &["price", "unit_amount_decimal"], price.unit_amount.to_string());
    set_at(item, &["price", "lookup_key"], price.lookup_key.as_str());
    set_at(item, &["plan", "amount"], price.unit_amount);
    set_at(item, &["plan", "amount_decimal"], price.unit_amount.to_string());
}

fn item(template_item: Option<&Value>, sub: &Subscription, price: &PriceConfig) -> Value {
    let mut item = template_item.cloned().unwrap_or(Value::Null);
    set(&mut item, "id", sub.item_id.as_str());
    set(&mut item, "created", sub.created);
    set(&mut item, "current_period_start", sub.period_start);
    set(&mut item, "current_period_end", sub.period_end);
    set(&mut item, "subscription", sub.id.as_str());
    price_into(&mut item, price);
    item
}

/// A subscription, with `latest_invoice` as an id.
pub fn subscription(state: &State, sub: &Subscription) -> Result<Value, ApiError> {
    let price = state.price(&sub.price).ok_or_else(|| ApiError::internal(format!("unknown price {}", sub.price)))?;
    let mut object = template(Kind::Subscription)?;
    let item = item(object.pointer("/items/data/0"), sub, price);
    set_at(&mut object, &["items", "data"], Value::Array(vec![item]));
    set_at(&mut object, &["items", "url"], format!("/v1/subscription_items?subscription={}", sub.id));
    set(&mut object, "id", sub.id.as_str());
    set(&mut object, "customer", sub.customer.as_str());
    set(&mut object, "created", sub.created);
    set(&mut object, "start_date", sub.created);
    set(&mut object, "billing_cycle_anchor", sub.trial_end.unwrap_or(sub.created));
    set_at(&mut object, &["billing_mode", "updated_at"], sub.created);
    set(&mut object, "currency", price.currency.as_str());
    set(&mut object, "status", status(sub.status));
    set(&mut object, "cancel_at_period_end", sub.cancel_at_period_end);
    set(&mut object, "cancel_at", sub.cancel_at_period_end.then_some(sub.period_end));
    set(&mut object, "canceled_at", sub.canceled_at);
    set(&mut object, "ended_at", sub.ended_at);
    let reason = sub.canceled_at.map(|_| "cancellation_requested");
    set_at(&mut object, &["cancellation_details", "reason"], reason);
    set(&mut object, "latest_invoice", sub.latest_invoice.clone());
    set(&mut object, "metadata", metadata(&sub.metadata));
    set(&mut object, "schedule", sub.schedule.clone());
    set(&mut object, "trial_start", sub.trial_start);
    set(&mut object, "trial_end", sub.trial_end);
    let pending = sub.pending_update.as_ref().map(|pending| pending_update(state, sub, &object, pending)).transpose()?;
    set(&mut object, "pending_update", pending);
    Ok(object)
}

/// `pending_update`: the items as they will be once the latest invoice is paid.
fn pending_update(state: &State, sub: &Subscription, object: &Value, pending: &PendingUpdate) -> Result<Value, ApiError> {
    let price = state.price(&pending.price).ok_or_else(|| ApiError::internal(format!("unknown price {}", pending.price)))?;
    let mut changed = sub.clone();
    changed.price.clone_from(&pending.price);
    let items = vec![item(object.pointer("/items/data/0"), &changed, price)];
    Ok(json!({
        "billing_cycle_anchor": null,
        "expires_at": pending.expires_at,
        "subscription_items": items,
        "trial_end": null,
        "trial_from_plan": null,
    }))
}
