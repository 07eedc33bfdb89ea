//! Reading a charge and refunding it: the requests sent and the domain values read back.

use billing_core::ports::{PaymentError, PaymentProvider, RefundRequest};
use billing_core::{Currency, Money, RefundReason, RefundStatus, StripeChargeId};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const CHARGE: &str = "ch_test_3S0aLw6Sep2026Gh";

fn charge_id() -> StripeChargeId {
    StripeChargeId::parse(CHARGE).unwrap()
}

/// Stripe's example refund, of `amount` cents of the renewal charge.
fn refund_object(amount: i64) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stripe/refund.json");
    let mut refund: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    refund["charge"] = CHARGE.into();
    refund["amount"] = amount.into();
    refund["status"] = "pending".into();
    refund
}

fn request(amount: Option<i64>, reason: Option<RefundReason>) -> RefundRequest {
    RefundRequest { org_id: org(), charge: charge_id(), amount: amount.map(|a| Money::new(a, Currency::USD)), reason }
}

#[tokio::test]
async fn a_charge_is_read_with_its_customer_and_what_was_refunded_already() {
    let server = MockServer::start().await;
    let mut charge = fixture_object("charge.refunded.json");
    charge["amount_refunded"] = 900.into();
    Mock::given(method("GET"))
        .and(path(format!("/v1/charges/{CHARGE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(charge))
        .expect(1)
        .mount(&server)
        .await;
    let read = client(&server).retrieve_charge(&charge_id()).await.unwrap();
    assert_eq!(read.id, charge_id());
    assert_eq!(read.customer, Some(customer_id()));
    assert_eq!((read.amount, read.amount_refunded), (Money::new(2900, Currency::USD), Money::new(900, Currency::USD)));
    assert_eq!(read.refundable(), Money::new(2000, Currency::USD));
    assert_standard_headers(&requests(&server).await[0], None);
}

#[tokio::test]
async fn a_charge_without_a_customer_reads_as_nobodys_and_an_unknown_one_as_not_found() {
    let server = MockServer::start().await;
    let mut charge = fixture_object("charge.refunded.json");
    charge["customer"] = Value::Null;
    Mock::given(method("GET"))
        .and(path(format!("/v1/charges/{CHARGE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(charge))
        .mount(&server)
        .await;
    assert_eq!(client(&server).retrieve_charge(&charge_id()).await.unwrap().customer, None);

    let missing = StripeChargeId::parse("ch_missing").unwrap();
    Mock::given(method("GET"))
        .and(path("/v1/charges/ch_missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(error_body("invalid_request_error", Some("resource_missing"))))
        .mount(&server)
        .await;
    let err = client(&server).retrieve_charge(&missing).await.unwrap_err();
    assert!(matches!(err, PaymentError::NotFound { ref resource } if resource == "charge"), "{err:?}");
}

#[tokio::test]
async fn a_partial_refund_sends_charge_amount_reason_organization_and_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refund_object(500)))
        .expect(1)
        .mount(&server)
        .await;
    let key = key("refund");
    let refund = client(&server).create_refund(&request(Some(500), Some(RefundReason::RequestedByCustomer)), &key).await.unwrap();
    assert_eq!(refund.id.as_str(), "re_1Pgc72B7WZ01zgkWqPvrRrPE");
    assert_eq!((refund.charge, refund.amount, refund.status), (charge_id(), Money::new(500, Currency::USD), RefundStatus::Pending));
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], Some(key.as_str()));
    assert_eq!(
        form(&sent[0]),
        pairs(&[("amount", "500"), ("charge", CHARGE), ("metadata[org_id]", "org_42"), ("reason", "requested_by_customer")])
    );
}

#[tokio::test]
async fn a_full_refund_sends_no_amount_and_a_refused_one_is_an_invalid_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refund_object(2900)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let refund = client(&server).create_refund(&request(None, None), &key("full")).await.unwrap();
    assert_eq!(refund.amount, Money::new(2900, Currency::USD));
    assert_eq!(form(&requests(&server).await[0]), pairs(&[("charge", CHARGE), ("metadata[org_id]", "org_42")]));

    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_body("invalid_request_error", Some("charge_already_refunded"))))
        .mount(&server)
        .await;
    let err = client(&server).create_refund(&request(None, None), &key("again")).await.unwrap_err();
    assert!(matches!(err, PaymentError::InvalidRequest { ref code, .. } if code.as_deref() == Some("charge_already_refunded")), "{err:?}");
}

#[tokio::test]
async fn a_refund_naming_no_charge_is_an_unexpected_answer() {
    let server = MockServer::start().await;
    let mut refund = refund_object(100);
    refund["charge"] = Value::Null;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refund))
        .mount(&server)
        .await;
    let err = client(&server).create_refund(&request(Some(100), None), &key("odd")).await.unwrap_err();
    assert!(matches!(err, PaymentError::Unknown(ref e) if format!("{e:#}").contains("missing field `charge`")), "{err:?}");
}
