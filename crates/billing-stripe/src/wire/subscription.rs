//! Subscriptions, their items and subscription schedules.

use serde::Deserialize;

use super::{lenient_enum, null_default, Expandable, HasId, Invoice, List, Metadata, ObjectRef};

lenient_enum!(
    /// `subscription.status`.
    SubscriptionStatus {
        Incomplete => "incomplete",
        IncompleteExpired => "incomplete_expired",
        Trialing => "trialing",
        Active => "active",
        PastDue => "past_due",
        Unpaid => "unpaid",
        Paused => "paused",
        Canceled => "canceled",
    }
);

lenient_enum!(
    /// `subscription_schedule.status`.
    ScheduleStatus {
        NotStarted => "not_started",
        Active => "active",
        Completed => "completed",
        Released => "released",
        Canceled => "canceled",
    }
);

/// A subscription, in any API version from `2017-08-15` on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub customer: Expandable<ObjectRef>,
    pub status: SubscriptionStatus,
    #[serde(default, deserialize_with = "null_default")]
    pub cancel_at_period_end: bool,
    pub cancel_at: Option<i64>,
    pub canceled_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// When the trial ends, for a subscription with one.
    pub trial_end: Option<i64>,
    /// Legacy shape (before `2025-03-31.basil`): the period on the subscription itself.
    pub current_period_start: Option<i64>,
    /// Legacy shape, see `current_period_start`.
    pub current_period_end: Option<i64>,
    /// Legacy shape: the single plan of the subscription.
    pub plan: Option<ObjectRef>,
    #[serde(default, deserialize_with = "null_default")]
    pub items: List<SubscriptionItem>,
    /// Set while a subscription schedule controls the subscription.
    pub schedule: Option<Expandable<SubscriptionSchedule>>,
    /// The newest invoice: an id, or the invoice when the request expanded `latest_invoice`.
    pub latest_invoice: Option<Expandable<Invoice>>,
    /// Set while a change made with `payment_behavior=pending_if_incomplete` waits for its
    /// payment; the subscription itself still shows the values from before the change.
    pub pending_update: Option<PendingUpdate>,
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: Metadata,
}

/// `subscription.pending_update`: the changes that apply once the latest invoice is paid.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PendingUpdate {
    /// When Stripe discards the pending changes and voids the invoice.
    pub expires_at: Option<i64>,
}

/// One item (price × quantity) of a subscription.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubscriptionItem {
    pub id: String,
    pub price: Option<Expandable<ObjectRef>>,
    /// Legacy twin of `price`.
    pub plan: Option<ObjectRef>,
    pub quantity: Option<u64>,
    /// Basil and later: the period lives on each item.
    pub current_period_start: Option<i64>,
    pub current_period_end: Option<i64>,
}

impl SubscriptionItem {
    /// The item's price id, from `price` or the legacy `plan`.
    pub fn price_id(&self) -> Option<&str> {
        self.price.as_ref().map(Expandable::id).or_else(|| self.plan.as_ref().map(|plan| plan.id.as_str()))
    }
}

/// A subscription schedule: our downgrades at period end, and plan changes the Customer Portal
/// or the Dashboard schedule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubscriptionSchedule {
    pub id: String,
    pub status: Option<ScheduleStatus>,
    pub subscription: Option<Expandable<ObjectRef>>,
    /// The subscription a released schedule controlled (`subscription` is then `null`).
    pub released_subscription: Option<String>,
    pub current_phase: Option<PhaseSpan>,
    #[serde(default, deserialize_with = "null_default")]
    pub phases: Vec<Phase>,
}

impl HasId for SubscriptionSchedule {
    fn id(&self) -> &str {
        &self.id
    }
}

impl SubscriptionSchedule {
    /// When the phase running now started: `current_phase.start_date`, else the first phase's.
    pub fn current_phase_start(&self) -> Option<i64> {
        self.current_phase.as_ref().map(|span| span.start_date).or_else(|| self.phases.first().and_then(|phase| phase.start_date))
    }

    /// The first phase starting when the current one ends; without a current phase (a schedule
    /// not started yet), the first phase.
    pub fn next_phase(&self) -> Option<&Phase> {
        match &self.current_phase {
            Some(current) => self.phases.iter().find(|phase| phase.start_date.is_some_and(|start| start >= current.end_date)),
            None => self.phases.first(),
        }
    }
}

/// `schedule.current_phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct PhaseSpan {
    pub start_date: i64,
    pub end_date: i64,
}

/// One phase of a schedule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Phase {
    pub start_date: Option<i64>,
    pub end_date: Option<i64>,
    #[serde(default, deserialize_with = "null_default")]
    pub items: Vec<PhaseItem>,
}

/// A price in a schedule phase.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PhaseItem {
    pub price: Option<Expandable<ObjectRef>>,
    pub quantity: Option<u64>,
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn subscription(extra: Value) -> Subscription {
        let mut raw = json!({"id": "sub_1", "customer": "cus_1", "status": "active"});
        if let (Some(raw), Some(extra)) = (raw.as_object_mut(), extra.as_object()) {
            raw.extend(extra.clone());
        }
        serde_json::from_value(raw).unwrap()
    }

    #[test]
    fn the_latest_invoice_reads_as_an_id_or_as_the_expanded_invoice() {
        let by_id = subscription(json!({"latest_invoice": "in_1"}));
        let expanded =
            subscription(json!({"latest_invoice": {"id": "in_2", "currency": "usd", "hosted_invoice_url": "https://invoice.example/2"}}));

        assert_eq!(by_id.latest_invoice, Some(Expandable::Id("in_1".into())));
        let invoice = expanded.latest_invoice.as_ref().and_then(Expandable::object);
        assert_eq!(invoice.and_then(|i| i.hosted_invoice_url.as_deref()), Some("https://invoice.example/2"));
        assert_eq!(subscription(json!({"latest_invoice": null})).latest_invoice, None);
    }

    #[test]
    fn a_pending_update_reads_as_absent_null_or_any_object() {
        let pending = subscription(json!({"pending_update": {"expires_at": 1_789_982_143, "subscription_items": [], "new_field": true}}));

        assert_eq!(subscription(json!({})).pending_update, None);
        assert_eq!(subscription(json!({"pending_update": null})).pending_update, None);
        assert_eq!(pending.pending_update, Some(PendingUpdate { expires_at: Some(1_789_982_143) }));
        assert_eq!(subscription(json!({"pending_update": {}})).pending_update, Some(PendingUpdate { expires_at: None }));
    }
}
