use billing_core::ports::{DecodeError, DecodedEvent, EventDecoder};
use billing_core::{
    BillingPeriod, CheckoutCompletion, CheckoutSessionId, Currency, InvoiceFact, Money, OrgId, StripeCustomerId, StripeEventId, StripeFact,
    StripeInvoiceId, StripePriceId, StripeSubscriptionId, SubscriptionSnapshot, SubscriptionStatus,
};
use billing_stripe::{parse_envelope, StripeEventDecoder};
use serde_json::{json, Value};

use crate::support::{at, bytes, json, EVENT_FILES};

const SUB: &str = "sub_test_1RvK8mQ2bT7xZqLm";
const CUSTOMER: &str = "cus_test_Pq7Yb2WmXc41Ka";
const RENEWAL: &str = "in_test_1RyQ3p3Sep2026Cd";
const RENEWAL_PAGE: &str = "https://invoice.stripe.com/i/acct_test_1ExampleAcct00/test_1RyQ3p3Sep2026Cd";

fn decode(file: &str) -> DecodedEvent {
    StripeEventDecoder.decode(&bytes(file)).unwrap()
}

fn fact(file: &str) -> StripeFact {
    decode(file).event.unwrap().fact
}

fn customer() -> Option<StripeCustomerId> {
    Some(StripeCustomerId::parse(CUSTOMER).unwrap())
}

fn snapshot(status: SubscriptionStatus, price: &str, period: (i64, i64), cancel: bool, canceled_at: Option<i64>) -> SubscriptionSnapshot {
    SubscriptionSnapshot {
        id: StripeSubscriptionId::parse(SUB).unwrap(),
        customer_id: StripeCustomerId::parse(CUSTOMER).unwrap(),
        status,
        price_id: StripePriceId::parse(price).unwrap(),
        cancel_at_period_end: cancel,
        period: BillingPeriod::new(at(period.0), at(period.1)).unwrap(),
        canceled_at: canceled_at.map(at),
        org_id: Some(OrgId::parse("org_42").unwrap()),
        schedule_id: None,
    }
}

fn renewal(next_attempt: Option<i64>) -> InvoiceFact {
    InvoiceFact {
        invoice_id: StripeInvoiceId::parse(RENEWAL).unwrap(),
        subscription_id: Some(StripeSubscriptionId::parse(SUB).unwrap()),
        customer_id: customer(),
        amount: Money::new(2_900, Currency::USD),
        next_attempt: next_attempt.map(at),
        hosted_invoice_url: Some(RENEWAL_PAGE.to_owned()),
    }
}

#[test]
fn every_fixture_envelope_parses_with_its_org_and_customer() {
    for file in EVENT_FILES {
        let raw = json(file);

        let envelope = parse_envelope(&bytes(file)).unwrap();

        assert_eq!(envelope.id.as_str(), raw["id"].as_str().unwrap(), "{file}");
        assert_eq!(envelope.event_type, raw["type"].as_str().unwrap(), "{file}");
        assert_eq!(envelope.created, at(raw["created"].as_i64().unwrap()), "{file}");
        assert_eq!(envelope.api_version.as_deref(), Some("2026-10-28.endive"), "{file}");
        assert!(!envelope.livemode, "{file}");
        assert_eq!(envelope.customer, customer(), "{file}");
        let expected_org = if file == "charge.refunded.json" { None } else { Some(OrgId::parse("org_42").unwrap()) };
        assert_eq!(envelope.org_hint, expected_org, "{file}");
    }
}

#[test]
fn envelopes_keep_the_request_that_caused_the_event() {
    let ours = parse_envelope(&bytes("customer.subscription.updated.plan_change.json")).unwrap();
    let stripes = parse_envelope(&bytes("invoice.paid.json")).unwrap();

    assert_eq!(ours.request_id.as_deref(), Some("req_test_HHfDxqvJMGqxK3"));
    assert_eq!(ours.idempotency_key.as_deref(), Some("e5677ae0-1f73-4b2d-b4fd-e5373f28b464"));
    assert_eq!(stripes.request_id, None);
}

#[test]
fn an_envelope_becomes_the_delivery_to_record_with_its_raw_body_and_secret() {
    let body = bytes("invoice.paid.json");
    let delivery = parse_envelope(&body).unwrap().into_delivery(body.clone(), 1);
    assert_eq!(delivery.event_type, "invoice.paid");
    assert_eq!(delivery.org_hint, Some(OrgId::parse("org_42").unwrap()));
    assert_eq!(delivery.customer, customer());
    assert_eq!((delivery.payload, delivery.verified_by), (body, Some(1)));
}

#[test]
fn a_completed_checkout_maps_to_a_paid_completion() {
    let decoded = decode("checkout.session.completed.json");

    assert_eq!(
        decoded.event.map(|e| e.fact),
        Some(StripeFact::CheckoutCompleted(CheckoutCompletion {
            session_id: CheckoutSessionId::parse("cs_test_a1Qm7Zp2Lx9Vb4Nc6Kd8Rf0Tg3Hj5Wy7Eu1Io3Sa5Df7Gh9Jk").unwrap(),
            customer_id: customer(),
            subscription_id: Some(StripeSubscriptionId::parse(SUB).unwrap()),
            complete: true,
            paid: true,
        }))
    );
    assert_eq!(decoded.org_hint, Some(OrgId::parse("org_42").unwrap()));
}

#[test]
fn subscription_events_map_to_snapshots() {
    let cases = [
        (
            "customer.subscription.created.json",
            snapshot(SubscriptionStatus::Incomplete, "price_team_monthly", (1_785_765_749, 1_788_444_149), false, None),
        ),
        (
            "customer.subscription.updated.plan_change.json",
            snapshot(SubscriptionStatus::Active, "price_business_monthly", (1_788_444_149, 1_791_036_149), false, None),
        ),
        (
            "customer.subscription.updated.cancel_at_period_end.json",
            snapshot(SubscriptionStatus::Active, "price_business_monthly", (1_788_444_149, 1_791_036_149), true, Some(1_790_613_603)),
        ),
    ];
    for (file, expected) in cases {
        assert_eq!(fact(file), StripeFact::SubscriptionChanged(expected), "{file}");
    }
}

#[test]
fn a_deleted_subscription_maps_to_a_canceled_snapshot() {
    let expected =
        snapshot(SubscriptionStatus::Canceled, "price_business_monthly", (1_788_444_149, 1_791_036_149), true, Some(1_790_613_603));

    assert_eq!(fact("customer.subscription.deleted.json"), StripeFact::SubscriptionDeleted(expected));
}

#[test]
fn a_failed_payment_carries_the_amount_due_the_next_attempt_and_the_invoice_page() {
    assert_eq!(fact("invoice.payment_failed.json"), StripeFact::InvoicePaymentFailed(renewal(Some(1_788_687_660))));
}

#[test]
fn invoice_paid_and_payment_succeeded_map_to_the_same_invoice_fact() {
    let paid = decode("invoice.paid.json").event.unwrap();
    let succeeded = decode("invoice.payment_succeeded.json").event.unwrap();

    assert_eq!(paid.fact, StripeFact::InvoicePaid(renewal(None)));
    assert_eq!(paid.fact, succeeded.fact);
    assert_ne!(paid.id, succeeded.id);
}

#[test]
fn a_refund_maps_to_the_refunded_amount() {
    let decoded = decode("charge.refunded.json");

    assert_eq!(
        decoded.event.map(|e| e.fact),
        Some(StripeFact::ChargeRefunded {
            customer_id: customer(),
            amount_refunded: Money::new(2_900, Currency::USD),
            fully_refunded: true
        })
    );
    assert_eq!(decoded.customer, customer());
}

#[test]
fn a_created_invoice_is_ignored_but_keeps_its_hints() {
    let decoded = decode("invoice.created.json");

    assert_eq!(decoded.event, None);
    assert_eq!(decoded.org_hint, Some(OrgId::parse("org_42").unwrap()));
    assert_eq!(decoded.customer, customer());
}

/// A fixture event with its type and object edited.
fn variant(file: &str, event_type: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut event = json(file);
    event["type"] = json!(event_type);
    edit(&mut event["data"]["object"]);
    serde_json::to_vec(&event).unwrap()
}

#[test]
fn an_expired_checkout_maps_to_its_session_id() {
    let payload = variant("checkout.session.completed.json", "checkout.session.expired", |o| o["status"] = json!("expired"));

    let decoded = StripeEventDecoder.decode(&payload).unwrap();

    let expected = CheckoutSessionId::parse("cs_test_a1Qm7Zp2Lx9Vb4Nc6Kd8Rf0Tg3Hj5Wy7Eu1Io3Sa5Df7Gh9Jk").unwrap();
    assert_eq!(decoded.event.map(|e| e.fact), Some(StripeFact::CheckoutExpired { session_id: expected }));
}

/// `(complete, paid)` of the completion decoded from the completed-checkout fixture after `edit`.
fn completion_flags(edit: impl FnOnce(&mut Value)) -> (bool, bool) {
    let payload = variant("checkout.session.completed.json", "checkout.session.completed", edit);
    match StripeEventDecoder.decode(&payload).unwrap().event.map(|e| e.fact) {
        Some(StripeFact::CheckoutCompleted(completion)) => (completion.complete, completion.paid),
        other => panic!("expected a checkout completion, got {other:?}"),
    }
}

#[test]
fn a_completed_checkout_awaiting_payment_is_not_paid() {
    assert_eq!(completion_flags(|o| o["payment_status"] = json!("unpaid")), (true, false));
}

#[test]
fn a_completed_checkout_that_needs_no_payment_counts_as_paid() {
    assert_eq!(completion_flags(|o| o["payment_status"] = json!("no_payment_required")), (true, true));
}

#[test]
fn a_paid_checkout_that_is_not_complete_is_reported_incomplete() {
    assert_eq!(completion_flags(|o| o["status"] = json!("open")), (false, true));
}

#[test]
fn an_invalid_client_reference_falls_back_to_the_metadata_org() {
    let payload = variant("checkout.session.completed.json", "checkout.session.completed", |o| {
        o["client_reference_id"] = json!("not an org id");
        o["metadata"] = json!({"org_id": "org_7"});
    });

    let decoded = StripeEventDecoder.decode(&payload).unwrap();

    assert_eq!(decoded.org_hint, Some(OrgId::parse("org_7").unwrap()));
}

#[test]
fn an_action_required_invoice_maps_to_its_fact_with_the_page_to_authenticate_on() {
    let payload = variant("invoice.payment_failed.json", "invoice.payment_action_required", |_| {});

    let decoded = StripeEventDecoder.decode(&payload).unwrap();

    assert_eq!(decoded.event.map(|e| e.fact), Some(StripeFact::InvoiceActionRequired(renewal(Some(1_788_687_660)))));
}

#[test]
fn an_invoice_without_a_hosted_page_decodes_without_one() {
    let payload = variant("invoice.paid.json", "invoice.paid", |o| o["hosted_invoice_url"] = Value::Null);

    let decoded = StripeEventDecoder.decode(&payload).unwrap();

    let expected = InvoiceFact { hosted_invoice_url: None, ..renewal(None) };
    assert_eq!(decoded.event.map(|e| e.fact), Some(StripeFact::InvoicePaid(expected)));
}

#[test]
fn a_legacy_invoice_names_its_subscription_at_the_top_level() {
    let payload = variant("invoice.paid.json", "invoice.paid", |o| {
        o.as_object_mut().unwrap().remove("parent");
        o["subscription"] = json!(SUB);
    });

    let decoded = StripeEventDecoder.decode(&payload).unwrap();

    assert_eq!(decoded.event.map(|e| e.fact), Some(StripeFact::InvoicePaid(renewal(None))));
}

#[test]
fn a_legacy_subscription_event_reads_the_top_level_period_and_plan() {
    let payload = variant("customer.subscription.created.json", "customer.subscription.updated", |o| {
        o["current_period_start"] = json!(1_785_765_749);
        o["current_period_end"] = json!(1_788_444_149);
        o["plan"] = json!({"id": "price_team_monthly", "object": "plan"});
        o["items"] = json!({"object": "list", "data": []});
    });

    let decoded = StripeEventDecoder.decode(&payload).unwrap();

    let expected = snapshot(SubscriptionStatus::Incomplete, "price_team_monthly", (1_785_765_749, 1_788_444_149), false, None);
    assert_eq!(decoded.event.map(|e| e.fact), Some(StripeFact::SubscriptionChanged(expected)));
}

#[test]
fn other_event_types_are_ignored() {
    let payload = variant("customer.subscription.created.json", "customer.subscription.paused", |_| {});

    let decoded = StripeEventDecoder.decode(&payload).unwrap();

    assert_eq!(decoded.event, None);
    assert_eq!(decoded.org_hint, Some(OrgId::parse("org_42").unwrap()));
}

#[test]
fn an_unknown_subscription_status_is_unsupported() {
    let payload = variant("customer.subscription.created.json", "customer.subscription.updated", |o| o["status"] = json!("hibernating"));

    let result = StripeEventDecoder.decode(&payload);

    assert!(matches!(result, Err(DecodeError::Unsupported(_))), "{result:?}");
}

#[test]
fn payloads_that_are_not_events_or_objects_of_the_wrong_shape_are_malformed() {
    let wrong_object = variant("invoice.paid.json", "customer.subscription.updated", |_| {});

    assert!(matches!(StripeEventDecoder.decode(b"{not json"), Err(DecodeError::Malformed(_))));
    assert!(matches!(StripeEventDecoder.decode(&wrong_object), Err(DecodeError::Malformed(_))));
}

#[test]
fn the_event_keeps_stripes_id_and_creation_time() {
    let event = decode("invoice.paid.json").event.unwrap();

    assert_eq!(event.id, StripeEventId::parse("evt_test_6ReGsEAYape9EnTiI3dqePwE").unwrap());
    assert_eq!(event.created, at(1_788_687_673));
}

#[test]
fn the_decoded_event_carries_the_envelopes_mode_so_a_worker_can_refuse_the_other_one() {
    let mut live = json("invoice.paid.json");
    assert!(!decode("invoice.paid.json").livemode, "the fixtures are test mode events");
    live["livemode"] = Value::Bool(true);
    let decoded = StripeEventDecoder.decode(&serde_json::to_vec(&live).unwrap()).unwrap();
    assert!(decoded.livemode);
}
