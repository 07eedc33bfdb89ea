//! Every single-request operation of the client, as a table the transport tests run through.

use std::future::Future;
use std::pin::Pin;

use billing_core::ports::CheckoutRequest;
use billing_core::StripeEventId;
use billing_stripe::{DowngradePhases, EventListFilter, StripeClient, StripeError};
use chrono::DateTime;
use serde_json::{json, Value};

use crate::support::*;

pub const OP_KEY: &str = "billing:test:org_42:v7:op";
const SCHEDULE: &str = "sub_sched_test_1Dn9Yq";
const EVENT: &str = "evt_test_6ReGsEAYape9EnTiI3dqePwE";
const INTENT: &str = "pi_test_3S0aLw6Sep2026Gh";

type Outcome = Result<(), StripeError>;
type Run = fn(StripeClient) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One operation: the request it must make, a valid success body, and how to call it.
pub struct Op {
    pub name: &'static str,
    pub method: &'static str,
    pub path: String,
    /// The `Idempotency-Key` it must send (POSTs only).
    pub key: Option<&'static str>,
    pub ok_body: Value,
    pub run: Run,
}

fn checkout_request() -> CheckoutRequest {
    CheckoutRequest {
        org_id: org(),
        customer: customer_id(),
        price: price("price_team_monthly"),
        success_url: "https://app.example.com/ok?session_id={CHECKOUT_SESSION_ID}".into(),
        cancel_url: "https://app.example.com/cancel".into(),
        expires_at: DateTime::from_timestamp(1_785_852_005, 0).unwrap(),
    }
}

fn phases() -> DowngradePhases {
    DowngradePhases {
        current_price: price("price_team_monthly"),
        current_start: DateTime::from_timestamp(1_788_444_149, 0).unwrap(),
        switch_at: DateTime::from_timestamp(1_791_036_149, 0).unwrap(),
        next_price: price("price_starter_monthly"),
    }
}

fn op(name: &'static str, method: &'static str, path: String, ok_body: Value, run: Run) -> Op {
    let key = (method == "POST").then_some(OP_KEY);
    Op { name, method, path, key, ok_body, run }
}

/// Every operation that makes exactly one request.
pub fn operations() -> Vec<Op> {
    [customer_and_checkout_ops(), subscription_ops(), schedule_invoice_and_event_ops()].into_iter().flatten().collect()
}

fn customer_and_checkout_ops() -> Vec<Op> {
    let customer = json!({"id": CUSTOMER, "object": "customer"});
    let session = json!({"id": SESSION, "url": "https://checkout.stripe.com/c/pay/x", "expires_at": 1785852005});
    let portal = json!({"url": "https://billing.stripe.com/p/x"});
    vec![
        op("customers_create", "POST", "/v1/customers".into(), customer.clone(), |c| {
            Box::pin(async move { c.customers_create(&org(), None, OP_KEY).await.map(drop) })
        }),
        op("customers_retrieve", "GET", format!("/v1/customers/{CUSTOMER}"), customer, |c| {
            Box::pin(async move { c.customers_retrieve(&customer_id()).await.map(drop) })
        }),
        op("checkout_sessions_create", "POST", "/v1/checkout/sessions".into(), session.clone(), |c| {
            Box::pin(async move { c.checkout_sessions_create(&checkout_request(), OP_KEY).await.map(drop) })
        }),
        op("checkout_sessions_retrieve", "GET", format!("/v1/checkout/sessions/{SESSION}"), session, |c| {
            Box::pin(async move { c.checkout_sessions_retrieve(&session_id()).await.map(drop) })
        }),
        op("billing_portal_sessions_create", "POST", "/v1/billing_portal/sessions".into(), portal, |c| {
            Box::pin(async move { c.billing_portal_sessions_create(&customer_id(), "https://app.example.com", OP_KEY).await.map(drop) })
        }),
    ]
}

fn subscription_ops() -> Vec<Op> {
    let path = format!("/v1/subscriptions/{SUB}");
    vec![
        op("subscriptions_retrieve", "GET", path.clone(), subscription(), |c| {
            Box::pin(async move { c.subscriptions_retrieve(&sub_id(), false).await.map(drop) })
        }),
        op("subscriptions_set_cancel_at_period_end", "POST", path.clone(), subscription(), |c| {
            Box::pin(async move { c.subscriptions_set_cancel_at_period_end(&sub_id(), true, OP_KEY).await.map(drop) })
        }),
        op("subscriptions_change_price", "POST", path.clone(), subscription(), |c| {
            let when = change().proration_date;
            Box::pin(async move {
                c.subscriptions_change_price(&sub_id(), ITEM, &price("price_business_monthly"), when, OP_KEY).await.map(drop)
            })
        }),
        op("subscriptions_cancel", "DELETE", path, subscription(), |c| {
            Box::pin(async move { c.subscriptions_cancel(&sub_id()).await.map(drop) })
        }),
        op(
            "payment_intents_retrieve",
            "GET",
            format!("/v1/payment_intents/{INTENT}"),
            json!({"id": INTENT, "status": "requires_action"}),
            |c| Box::pin(async move { c.payment_intents_retrieve(INTENT).await.map(drop) }),
        ),
    ]
}

fn schedule_invoice_and_event_ops() -> Vec<Op> {
    let schedule = json!({"id": SCHEDULE, "object": "subscription_schedule", "phases": []});
    let invoice = json!({"id": "upcoming_in_1", "object": "invoice", "currency": "usd", "amount_due": 0, "lines": {"data": []}});
    let list = json!({"object": "list", "data": [fixture_event("invoice.paid.json")], "has_more": false});
    vec![
        op("subscription_schedules_create_from_subscription", "POST", "/v1/subscription_schedules".into(), schedule.clone(), |c| {
            Box::pin(async move { c.subscription_schedules_create_from_subscription(&sub_id(), OP_KEY).await.map(drop) })
        }),
        op(
            "subscription_schedules_set_downgrade_phases",
            "POST",
            format!("/v1/subscription_schedules/{SCHEDULE}"),
            schedule.clone(),
            |c| Box::pin(async move { c.subscription_schedules_set_downgrade_phases(SCHEDULE, &phases(), OP_KEY).await.map(drop) }),
        ),
        op("subscription_schedules_release", "POST", format!("/v1/subscription_schedules/{SCHEDULE}/release"), schedule, |c| {
            Box::pin(async move { c.subscription_schedules_release(SCHEDULE, OP_KEY).await.map(drop) })
        }),
        op("invoices_create_preview", "POST", "/v1/invoices/create_preview".into(), invoice, |c| {
            Box::pin(async move { c.invoices_create_preview(&change(), ITEM, OP_KEY).await.map(drop) })
        }),
        op("events_retrieve", "GET", format!("/v1/events/{EVENT}"), fixture_event("invoice.paid.json"), |c| {
            Box::pin(async move { c.events_retrieve(&StripeEventId::parse(EVENT).unwrap()).await.map(drop) })
        }),
        op("events_list", "GET", "/v1/events".into(), list, |c| {
            Box::pin(async move { c.events_list(&EventListFilter::default()).await.map(drop) })
        }),
    ]
}
