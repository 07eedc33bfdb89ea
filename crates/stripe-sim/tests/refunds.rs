//! Charges behind paid invoices and their refunds, through billing-stripe's `retrieve_charge` and
//! `create_refund`.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::{PaymentError, PaymentProvider, RefundRequest};
use billing_core::{Currency, Money, RefundReason, RefundStatus, StripeChargeId};
use common::world::{events_since, subscribed, types};
use common::{get, key, post, start};
use serde_json::Value;
use stripe_sim::SimHandle;

/// The charge that paid the subscription's first invoice.
async fn first_charge(sim: &SimHandle, sub: &Value) -> StripeChargeId {
    let query = format!("/v1/subscriptions/{}?expand[]=latest_invoice.payments", sub["id"].as_str().unwrap());
    let invoice = get(sim, &query).await.1["latest_invoice"].clone();
    let intent = invoice["payments"]["data"][0]["payment"]["payment_intent"].as_str().unwrap().to_owned();
    let intent = get(sim, &format!("/v1/payment_intents/{intent}")).await.1;
    assert_eq!(intent["status"], "succeeded");
    intent["latest_charge"].as_str().unwrap().parse().unwrap()
}

fn request(charge: &StripeChargeId, cents: Option<i64>) -> RefundRequest {
    RefundRequest {
        org_id: "org_42".parse().unwrap(),
        charge: charge.clone(),
        amount: cents.map(|c| Money::new(c, Currency::USD)),
        reason: Some(RefundReason::RequestedByCustomer),
    }
}

#[tokio::test]
async fn the_first_invoice_is_paid_by_a_charge_the_client_reads() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;

    let charge = client.retrieve_charge(&first_charge(&sim, &sub).await).await.unwrap();

    assert_eq!(charge.customer.as_ref().map(|c| c.as_str()), sub["customer"].as_str());
    assert_eq!((charge.amount, charge.amount_refunded), (Money::new(9_900, Currency::USD), Money::new(0, Currency::USD)));
}

#[tokio::test]
async fn partial_refunds_add_up_and_a_refund_beyond_what_is_left_is_refused() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    let charge = first_charge(&sim, &sub).await;

    let first = client.create_refund(&request(&charge, Some(4_000)), &key("refund-1")).await.unwrap();
    let too_much = client.create_refund(&request(&charge, Some(6_000)), &key("refund-2")).await;
    let rest = client.create_refund(&request(&charge, None), &key("refund-3")).await.unwrap();
    let after = events_since(&sim, before).await;

    assert_eq!((first.amount.minor_units(), first.status.clone()), (4_000, RefundStatus::Succeeded));
    assert!(matches!(too_much, Err(PaymentError::InvalidRequest { ref param, .. }) if param.as_deref() == Some("amount")), "{too_much:?}");
    assert_eq!(rest.amount.minor_units(), 5_900);
    assert_eq!(types(&after), ["charge.refunded", "refund.created", "charge.refunded", "refund.created"]);
    assert_eq!(after[0]["data"]["previous_attributes"]["amount_refunded"], 0);
    assert_eq!(after[2]["data"]["object"]["amount_refunded"], 9_900);
    assert_eq!(after[2]["data"]["object"]["refunded"], true);
    assert_eq!(after[1]["data"]["object"]["metadata"]["org_id"], "org_42");
    let snapshot = client.retrieve_charge(&charge).await.unwrap();
    assert_eq!(snapshot.amount_refunded.minor_units(), 9_900);
    let (status, body) = post(&sim, "/v1/refunds", &[("charge", charge.as_str())], None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("charge_already_refunded")));
}

#[tokio::test]
async fn unknown_charges_and_payment_intents_are_404() {
    let (sim, client) = start();

    let missing = client.retrieve_charge(&"ch_nope".parse().unwrap()).await;
    let (status, _) = get(&sim, "/v1/payment_intents/pi_nope").await;

    assert!(matches!(missing, Err(PaymentError::NotFound { .. })), "{missing:?}");
    assert_eq!(status, 404);
}
