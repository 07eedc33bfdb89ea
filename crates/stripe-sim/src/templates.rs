//! Stripe's own example objects, used as the skeleton of every object the simulator renders so
//! that responses and events carry every field Stripe's do.
//!
//! Subscriptions, invoices, Checkout sessions, subscription schedules and charges come from the
//! project's event fixtures (`fixtures/stripe/`, endive shapes); the rest from Stripe's
//! published examples (`fixtures/stripe-openapi/fixtures3.json`).

use std::sync::OnceLock;

use serde_json::Value;

use crate::error::ApiError;

const OPENAPI: &str = include_str!("../../../fixtures/stripe-openapi/fixtures3.json");
const SUBSCRIPTION_EVENT: &str = include_str!("../../../fixtures/stripe/customer.subscription.created.json");
const INVOICE_EVENT: &str = include_str!("../../../fixtures/stripe/invoice.paid.json");
const SESSION_EVENT: &str = include_str!("../../../fixtures/stripe/checkout.session.completed.json");
const SCHEDULE_EVENT: &str = include_str!("../../../fixtures/stripe/subscription_schedule.created.json");
const CHARGE_EVENT: &str = include_str!("../../../fixtures/stripe/charge.refunded.json");

/// The kinds of object the simulator renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Customer,
    CheckoutSession,
    Subscription,
    Invoice,
    PortalSession,
    WebhookEndpoint,
    Event,
    Schedule,
    Charge,
    PaymentIntent,
    InvoicePayment,
    Refund,
}

fn parse_all() -> Result<Vec<(Kind, Value)>, String> {
    let openapi: Value = serde_json::from_str(OPENAPI).map_err(|e| e.to_string())?;
    let resource = |name: &str| openapi["resources"].get(name).cloned().ok_or(format!("no `{name}` example"));
    let event_object = |raw: &str| -> Result<Value, String> {
        let event: Value = serde_json::from_str(raw).map_err(|e| e.to_string())?;
        event.pointer("/data/object").cloned().ok_or_else(|| "an event fixture without data.object".to_owned())
    };
    let event: Value = serde_json::from_str(SUBSCRIPTION_EVENT).map_err(|e| e.to_string())?;
    Ok(vec![
        (Kind::Customer, resource("customer")?),
        (Kind::PortalSession, resource("billing_portal.session")?),
        (Kind::WebhookEndpoint, resource("webhook_endpoint")?),
        (Kind::Subscription, event_object(SUBSCRIPTION_EVENT)?),
        (Kind::Invoice, event_object(INVOICE_EVENT)?),
        (Kind::CheckoutSession, event_object(SESSION_EVENT)?),
        (Kind::Schedule, event_object(SCHEDULE_EVENT)?),
        (Kind::Charge, event_object(CHARGE_EVENT)?),
        (Kind::PaymentIntent, resource("payment_intent")?),
        (Kind::InvoicePayment, resource("invoice_payment")?),
        (Kind::Refund, resource("refund")?),
        (Kind::Event, event),
    ])
}

fn all() -> &'static Result<Vec<(Kind, Value)>, String> {
    static TEMPLATES: OnceLock<Result<Vec<(Kind, Value)>, String>> = OnceLock::new();
    TEMPLATES.get_or_init(parse_all)
}

/// A fresh copy of the example object of `kind`.
pub fn template(kind: Kind) -> Result<Value, ApiError> {
    let templates = all().as_ref().map_err(|e| ApiError::internal(format!("the example objects do not load: {e}")))?;
    templates
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, value)| value.clone())
        .ok_or_else(|| ApiError::internal("no example object for this kind"))
}

/// Checks once, at start, that every example object loads.
pub fn check() -> Result<(), String> {
    all().as_ref().map(|_| ()).map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_an_example_with_its_object_name() {
        let expected = [
            (Kind::Customer, "customer"),
            (Kind::PortalSession, "billing_portal.session"),
            (Kind::WebhookEndpoint, "webhook_endpoint"),
            (Kind::Subscription, "subscription"),
            (Kind::Invoice, "invoice"),
            (Kind::CheckoutSession, "checkout.session"),
            (Kind::Event, "event"),
            (Kind::Schedule, "subscription_schedule"),
            (Kind::Charge, "charge"),
            (Kind::PaymentIntent, "payment_intent"),
            (Kind::InvoicePayment, "invoice_payment"),
            (Kind::Refund, "refund"),
        ];
        for (kind, object) in expected {
            assert_eq!(template(kind).unwrap()["object"], object, "{kind:?}");
        }
    }
}
