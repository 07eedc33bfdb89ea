//! The facts of the events that inform or schedule rather than bill: trials ending, upcoming
//! invoices, subscription schedules and disputes.

use billing_core::{
    DisputeFact, SchedulePhase, ScheduleSnapshot, ScheduleStatus, StripeChargeId, StripeDisputeId, StripeFact, StripePriceId,
    StripeScheduleId, StripeSubscriptionId, UpcomingInvoice,
};

use crate::convert::{money, optional_id, parse_id, timestamp, ConvertError};
use crate::wire::{self, Expandable, HasId};

/// `customer.subscription.trial_will_end`: the subscription and when its trial ends.
pub(crate) fn trial_will_end(subscription: &wire::Subscription) -> Result<StripeFact, ConvertError> {
    let trial_end = subscription.trial_end.ok_or(ConvertError::Missing("trial_end"))?;
    Ok(StripeFact::TrialWillEnd { subscription_id: parse_id("id", &subscription.id)?, ends_at: timestamp("trial_end", trial_end)? })
}

/// `invoice.upcoming`. The invoice is not created yet, so it has no `id`, and none is required:
/// the renewal date is the end of the period it closes (`period_end`).
pub(crate) fn upcoming_invoice(invoice: &wire::Invoice) -> Result<UpcomingInvoice, ConvertError> {
    let period_end = invoice.period_end.ok_or(ConvertError::Missing("period_end"))?;
    Ok(UpcomingInvoice {
        subscription_id: invoice.subscription_id().map(|raw| parse_id::<StripeSubscriptionId>("subscription", raw)).transpose()?,
        customer_id: optional_id("customer", invoice.customer.as_ref())?,
        amount: money(invoice.amount_due, &invoice.currency)?,
        renews_at: timestamp("period_end", period_end)?,
    })
}

fn schedule_status(raw: Option<&wire::ScheduleStatus>) -> Result<ScheduleStatus, ConvertError> {
    use wire::ScheduleStatus as W;
    Ok(match raw.ok_or(ConvertError::Missing("status"))? {
        W::NotStarted => ScheduleStatus::NotStarted,
        W::Active => ScheduleStatus::Active,
        W::Completed => ScheduleStatus::Completed,
        W::Released => ScheduleStatus::Released,
        W::Canceled => ScheduleStatus::Canceled,
        W::Other(other) => return Err(ConvertError::UnknownScheduleStatus(other.clone())),
    })
}

/// The price and start of the schedule's next phase; a phase without a price or a start (an
/// open-ended one Stripe has not dated) schedules nothing we can show.
fn next_phase(schedule: &wire::SubscriptionSchedule) -> Result<Option<SchedulePhase>, ConvertError> {
    let Some(phase) = schedule.next_phase() else { return Ok(None) };
    let price = phase.items.first().and_then(|item| item.price.as_ref()).map(Expandable::id);
    let (Some(price), Some(start)) = (price, phase.start_date) else { return Ok(None) };
    Ok(Some(SchedulePhase {
        price_id: parse_id::<StripePriceId>("phases.items.price", price)?,
        starts_at: timestamp("phases.start_date", start)?,
    }))
}

impl TryFrom<&wire::SubscriptionSchedule> for ScheduleSnapshot {
    type Error = ConvertError;

    fn try_from(schedule: &wire::SubscriptionSchedule) -> Result<Self, Self::Error> {
        let subscription = schedule.subscription.as_ref().map(Expandable::id).or(schedule.released_subscription.as_deref());
        Ok(ScheduleSnapshot {
            id: parse_id::<StripeScheduleId>("id", schedule.id())?,
            subscription_id: subscription.map(|raw| parse_id("subscription", raw)).transpose()?,
            status: schedule_status(schedule.status.as_ref())?,
            next_phase: next_phase(schedule)?,
        })
    }
}

/// `charge.dispute.created` and `charge.dispute.closed`.
pub(crate) fn dispute(dispute: &wire::Dispute) -> Result<DisputeFact, ConvertError> {
    Ok(DisputeFact {
        id: parse_id::<StripeDisputeId>("id", &dispute.id)?,
        charge_id: parse_id::<StripeChargeId>("charge", dispute.charge.id())?,
        amount: money(dispute.amount, &dispute.currency)?,
        reason: dispute.reason.clone(),
        status: dispute.status.clone(),
    })
}
