//! The [`EventDecoder`] port: a stored payload to a [`StripeEvent`], or "ignored".

use billing_core::ports::{DecodeError, DecodedEvent, EventDecoder};
use billing_core::{CheckoutCompletion, CheckoutSessionId, ScheduleSnapshot, StripeEvent, StripeFact, SubscriptionSnapshot};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{facts, read_event, EnvelopeError};
use crate::convert::{charge_refunded, invoice_fact, parse_id, ConvertError, InvoiceAmount};
use crate::wire;

/// Decodes Stripe webhook payloads (already verified and stored) into billing-core inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct StripeEventDecoder;

impl StripeEventDecoder {
    pub fn new() -> Self {
        Self
    }
}

impl EventDecoder for StripeEventDecoder {
    fn decode(&self, payload: &[u8]) -> Result<DecodedEvent, DecodeError> {
        let (event, envelope) = read_event(payload).map_err(|error| match error {
            EnvelopeError::BadField(convert) => DecodeError::from(convert),
            other @ EnvelopeError::NotAnEvent(_) => DecodeError::Malformed(describe(&other)),
        })?;
        let fact = fact_for(&event.event_type, event.data.object)?;
        Ok(DecodedEvent {
            event: fact.map(|fact| StripeEvent { id: envelope.id.clone(), created: envelope.created, fact }),
            org_hint: envelope.org_hint,
            customer: envelope.customer,
            livemode: envelope.livemode,
        })
    }
}

/// The event types whose facts the billing state depends on; every other type is recorded and
/// ignored. Recovery lists exactly these from the API, whose `types[]` filter takes at most 20.
/// `subscription_schedule.expiring` is left out: it announces an end that the `completed` or
/// `released` event then reports, and says nothing new about the schedule.
pub const HANDLED_EVENT_TYPES: [&str; 20] = [
    "checkout.session.completed",
    "checkout.session.expired",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.payment_action_required",
    "charge.refunded",
    "customer.subscription.trial_will_end",
    "invoice.upcoming",
    "subscription_schedule.created",
    "subscription_schedule.updated",
    "subscription_schedule.released",
    "subscription_schedule.canceled",
    "subscription_schedule.completed",
    "subscription_schedule.aborted",
    "charge.dispute.created",
    "charge.dispute.closed",
];

/// The fact an event states, or `None` for types the billing state does not depend on.
///
/// `invoice.paid` and `invoice.payment_succeeded` carry the same invoice and both map to
/// [`StripeFact::InvoicePaid`] with its id; the core counts an invoice once. `invoice.upcoming`
/// carries an invoice without an id.
fn fact_for(event_type: &str, object: Value) -> Result<Option<StripeFact>, DecodeError> {
    // The list is the one source of truth: a type matched below but missing from it would be
    // decoded from webhooks yet never fetched by recovery.
    if !HANDLED_EVENT_TYPES.contains(&event_type) {
        return Ok(None);
    }
    let fact = match event_type {
        "checkout.session.completed" => {
            StripeFact::CheckoutCompleted(CheckoutCompletion::try_from(&read::<wire::CheckoutSession>(object)?)?)
        }
        "checkout.session.expired" => {
            StripeFact::CheckoutExpired { session_id: parse_id::<CheckoutSessionId>("id", &read::<wire::CheckoutSession>(object)?.id)? }
        }
        "customer.subscription.created" | "customer.subscription.updated" => {
            StripeFact::SubscriptionChanged(SubscriptionSnapshot::try_from(&read::<wire::Subscription>(object)?)?)
        }
        "customer.subscription.deleted" => {
            StripeFact::SubscriptionDeleted(SubscriptionSnapshot::try_from(&read::<wire::Subscription>(object)?)?)
        }
        "invoice.paid" | "invoice.payment_succeeded" => StripeFact::InvoicePaid(invoice_fact(&read(object)?, InvoiceAmount::Paid)?),
        "invoice.payment_failed" => StripeFact::InvoicePaymentFailed(invoice_fact(&read(object)?, InvoiceAmount::Due)?),
        "invoice.payment_action_required" => StripeFact::InvoiceActionRequired(invoice_fact(&read(object)?, InvoiceAmount::Due)?),
        "charge.refunded" => charge_refunded(&read(object)?)?,
        "customer.subscription.trial_will_end" => facts::trial_will_end(&read(object)?)?,
        "invoice.upcoming" => StripeFact::InvoiceUpcoming(facts::upcoming_invoice(&read(object)?)?),
        "charge.dispute.created" => StripeFact::DisputeOpened(facts::dispute(&read(object)?)?),
        "charge.dispute.closed" => StripeFact::DisputeClosed(facts::dispute(&read(object)?)?),
        // Every schedule event carries the whole schedule; its status says what happened.
        schedule if schedule.starts_with("subscription_schedule.") => {
            StripeFact::ScheduleChanged(ScheduleSnapshot::try_from(&read::<wire::SubscriptionSchedule>(object)?)?)
        }
        _ => return Ok(None),
    };
    Ok(Some(fact))
}

fn read<T: DeserializeOwned>(object: Value) -> Result<T, DecodeError> {
    serde_json::from_value(object).map_err(|error| DecodeError::Malformed(format!("data.object: {error}")))
}

impl From<ConvertError> for DecodeError {
    fn from(error: ConvertError) -> Self {
        match error {
            ConvertError::UnknownStatus(_) | ConvertError::UnknownScheduleStatus(_) | ConvertError::UnknownInvoiceStatus(_) => {
                DecodeError::Unsupported(describe(&error))
            }
            ConvertError::Missing(_)
            | ConvertError::BadId { .. }
            | ConvertError::BadTimestamp(_)
            | ConvertError::EmptyPeriod
            | ConvertError::BadCurrency(_)
            | ConvertError::AmountOverflow
            | ConvertError::UnsafeId(_) => DecodeError::Malformed(describe(&error)),
        }
    }
}

/// An error and its causes on one line.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handled_types_fit_in_one_event_list_filter() {
        // Stripe refuses `GET /v1/events` with more than 20 `types[]`, and recovery sends them all.
        assert!(HANDLED_EVENT_TYPES.len() <= 20, "{} handled types", HANDLED_EVENT_TYPES.len());
        let mut unique = HANDLED_EVENT_TYPES.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), HANDLED_EVENT_TYPES.len(), "no type is listed twice");
    }

    #[test]
    fn every_handled_type_is_decoded_and_no_other_is() {
        // An empty object is not a valid object of any handled type, so a handled type fails to
        // read it while every other type is ignored before reading.
        for event_type in HANDLED_EVENT_TYPES {
            assert!(fact_for(event_type, serde_json::json!({})).is_err(), "{event_type} is not decoded");
        }
        for event_type in
            ["invoice.created", "customer.updated", "checkout.session.async_payment_succeeded", "subscription_schedule.expiring"]
        {
            assert!(matches!(fact_for(event_type, serde_json::json!({})), Ok(None)), "{event_type} is decoded");
        }
    }
}
