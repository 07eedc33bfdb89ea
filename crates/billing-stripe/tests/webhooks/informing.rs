//! Decoding the events that inform or schedule: trials ending, upcoming invoices, subscription
//! schedules (our API's, the Customer Portal's) and disputes.

use billing_core::ports::{DecodeError, DecodedEvent, EventDecoder};
use billing_core::{
    Currency, DisputeFact, Money, OrgId, SchedulePhase, ScheduleSnapshot, ScheduleStatus, StripeChargeId, StripeCustomerId,
    StripeDisputeId, StripeFact, StripePriceId, StripeScheduleId, StripeSubscriptionId, UpcomingInvoice,
};
use billing_stripe::StripeEventDecoder;
use serde_json::{json, Value};

use crate::support::{at, bytes, json};

const SUB: &str = "sub_test_1RvK8mQ2bT7xZqLm";
const CUSTOMER: &str = "cus_test_Pq7Yb2WmXc41Ka";
const SCHEDULE: &str = "sub_sched_test_1SaPrt24Sep2026Vw";
const OCT3: i64 = 1_791_036_149;

fn decode(payload: &[u8]) -> Result<DecodedEvent, DecodeError> {
    StripeEventDecoder.decode(payload)
}

fn fact(payload: &[u8]) -> StripeFact {
    decode(payload).unwrap().event.unwrap().fact
}

/// A fixture with its type and object edited.
fn edited(file: &str, event_type: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut event = json(file);
    event["type"] = json!(event_type);
    edit(&mut event["data"]["object"]);
    serde_json::to_vec(&event).unwrap()
}

fn sub(raw: &str) -> StripeSubscriptionId {
    StripeSubscriptionId::parse(raw).unwrap()
}

#[test]
fn a_trial_ending_soon_maps_to_its_subscription_and_the_end_of_the_trial() {
    let decoded = decode(&bytes("customer.subscription.trial_will_end.json")).unwrap();
    let expected = StripeFact::TrialWillEnd { subscription_id: sub("sub_test_1TqL4aWq9ZxYpRtU"), ends_at: at(1_790_949_600) };
    assert_eq!(decoded.event.map(|e| e.fact), Some(expected));
    assert_eq!(decoded.org_hint, Some(OrgId::parse("org_77").unwrap()));
    assert_eq!(decoded.customer, StripeCustomerId::parse("cus_test_Tr9Lb4QxW2mZkE").ok());
}

#[test]
fn a_trial_event_without_a_trial_end_is_malformed() {
    let payload =
        edited("customer.subscription.trial_will_end.json", "customer.subscription.trial_will_end", |o| o["trial_end"] = Value::Null);
    assert!(matches!(decode(&payload), Err(DecodeError::Malformed(m)) if m.contains("trial_end")));
}

#[test]
fn an_upcoming_invoice_has_no_id_and_maps_to_the_renewal_amount_and_date() {
    let raw = json("invoice.upcoming.json");
    assert!(raw["data"]["object"].get("id").is_none(), "the fixture's invoice is not created yet");
    let expected = StripeFact::InvoiceUpcoming(UpcomingInvoice {
        subscription_id: Some(sub(SUB)),
        customer_id: StripeCustomerId::parse(CUSTOMER).ok(),
        amount: Money::new(9_900, Currency::USD),
        renews_at: at(OCT3),
    });
    let decoded = decode(&bytes("invoice.upcoming.json")).unwrap();
    assert_eq!((decoded.event.map(|e| e.fact), decoded.org_hint), (Some(expected.clone()), OrgId::parse("org_42").ok()));
    let null_id = edited("invoice.upcoming.json", "invoice.upcoming", |o| o["id"] = Value::Null);
    assert_eq!(fact(&null_id), expected, "an explicit null id reads the same");
}

#[test]
fn an_upcoming_invoice_without_the_period_it_closes_is_malformed() {
    let payload = edited("invoice.upcoming.json", "invoice.upcoming", |o| o["period_end"] = Value::Null);
    assert!(matches!(decode(&payload), Err(DecodeError::Malformed(m)) if m.contains("period_end")));
}

fn portal_schedule(status: ScheduleStatus, subscription: Option<&str>) -> StripeFact {
    StripeFact::ScheduleChanged(ScheduleSnapshot {
        id: StripeScheduleId::parse(SCHEDULE).unwrap(),
        subscription_id: subscription.map(sub),
        status,
        next_phase: Some(SchedulePhase { price_id: StripePriceId::parse("price_team_monthly").unwrap(), starts_at: at(OCT3) }),
    })
}

#[test]
fn a_portal_schedule_maps_to_its_next_phase_and_names_the_customer_but_no_organization() {
    let decoded = decode(&bytes("subscription_schedule.created.json")).unwrap();
    assert_eq!(decoded.event.map(|e| e.fact), Some(portal_schedule(ScheduleStatus::Active, Some(SUB))));
    assert_eq!((decoded.customer, decoded.org_hint), (StripeCustomerId::parse(CUSTOMER).ok(), None));
}

#[test]
fn a_released_schedule_names_the_subscription_it_released() {
    let decoded = fact(&bytes("subscription_schedule.released.json"));
    let StripeFact::ScheduleChanged(schedule) = decoded else { panic!("a schedule fact: {decoded:?}") };
    assert_eq!((schedule.status, schedule.subscription_id), (ScheduleStatus::Released, Some(sub(SUB))));
}

#[test]
fn every_schedule_event_type_maps_to_the_schedule_it_carries() {
    let types = ["created", "updated", "released", "canceled", "completed", "aborted"];
    for (event_type, status) in types.iter().zip(["active", "active", "released", "canceled", "completed", "canceled"]) {
        let payload =
            edited("subscription_schedule.created.json", &format!("subscription_schedule.{event_type}"), |o| o["status"] = json!(status));
        let StripeFact::ScheduleChanged(schedule) = fact(&payload) else { panic!("{event_type} is a schedule fact") };
        assert_eq!(schedule.status.has_ended(), status != "active", "{event_type}");
    }
}

#[test]
fn a_schedule_made_from_a_subscription_has_no_next_phase_and_one_not_started_begins_with_its_first() {
    let one_phase = edited("subscription_schedule.created.json", "subscription_schedule.created", |o| {
        o["phases"].as_array_mut().unwrap().truncate(1);
    });
    let StripeFact::ScheduleChanged(made) = fact(&one_phase) else { panic!("a schedule fact") };
    assert_eq!(made.next_phase, None);
    let not_started = edited("subscription_schedule.created.json", "subscription_schedule.created", |o| {
        o["status"] = json!("not_started");
        o["current_phase"] = Value::Null;
        o["subscription"] = Value::Null;
    });
    let StripeFact::ScheduleChanged(later) = fact(&not_started) else { panic!("a schedule fact") };
    let first = SchedulePhase { price_id: StripePriceId::parse("price_business_monthly").unwrap(), starts_at: at(1_788_444_149) };
    assert_eq!((later.status, later.subscription_id, later.next_phase), (ScheduleStatus::NotStarted, None, Some(first)));
}

#[test]
fn an_unknown_schedule_status_is_unsupported_and_a_missing_one_malformed() {
    let unknown = edited("subscription_schedule.created.json", "subscription_schedule.updated", |o| o["status"] = json!("hibernating"));
    assert!(matches!(decode(&unknown), Err(DecodeError::Unsupported(_))));
    let missing = edited("subscription_schedule.created.json", "subscription_schedule.updated", |o| o["status"] = Value::Null);
    assert!(matches!(decode(&missing), Err(DecodeError::Malformed(_))));
}

#[test]
fn a_subscription_names_the_schedule_controlling_it_as_an_id_or_expanded() {
    for schedule in [json!(SCHEDULE), json!({"id": SCHEDULE, "object": "subscription_schedule", "phases": []})] {
        let payload =
            edited("customer.subscription.updated.plan_change.json", "customer.subscription.updated", |o| o["schedule"] = schedule);
        let StripeFact::SubscriptionChanged(snapshot) = fact(&payload) else { panic!("a snapshot") };
        assert_eq!(snapshot.schedule_id, StripeScheduleId::parse(SCHEDULE).ok());
        assert_eq!(snapshot.org_id, OrgId::parse("org_42").ok(), "metadata names who it was sold to");
    }
    let unnamed = edited("customer.subscription.updated.plan_change.json", "customer.subscription.updated", |o| o["metadata"] = json!({}));
    let StripeFact::SubscriptionChanged(snapshot) = fact(&unnamed) else { panic!("a snapshot") };
    assert_eq!((snapshot.org_id, snapshot.schedule_id), (None, None));
}

fn inquiry(status: &str) -> DisputeFact {
    DisputeFact {
        id: StripeDisputeId::parse("dp_test_1S1bQx15Sep2026Kl").unwrap(),
        charge_id: StripeChargeId::parse("ch_test_3RvK8o3Aug2026Mn").unwrap(),
        amount: Money::new(2_900, Currency::USD),
        reason: "fraudulent".into(),
        status: status.into(),
    }
}

#[test]
fn disputes_map_to_their_charge_amount_reason_and_status_and_name_no_customer() {
    let opened = decode(&bytes("charge.dispute.created.json")).unwrap();
    assert_eq!(opened.event.map(|e| e.fact), Some(StripeFact::DisputeOpened(inquiry("warning_needs_response"))));
    assert_eq!((opened.customer, opened.org_hint), (None, None), "a dispute names only its charge");
    assert_eq!(fact(&bytes("charge.dispute.closed.json")), StripeFact::DisputeClosed(inquiry("warning_closed")));
    let expanded = edited("charge.dispute.created.json", "charge.dispute.created", |o| {
        o["charge"] = json!({"id": "ch_test_3RvK8o3Aug2026Mn", "object": "charge"})
    });
    assert_eq!(fact(&expanded), StripeFact::DisputeOpened(inquiry("warning_needs_response")));
}
