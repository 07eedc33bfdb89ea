//! Failed payments as the runbook lists them: amount and invoice from the stored event, and
//! whether the organization paid since.

use super::*;
use crate::ids::StripeEventId;
use crate::input::StripeEvent;
use crate::ports::{DecodeError, DecodedEvent, EventStatus, LedgerEntry, LedgerPayload, MockWebhookLedger};
use crate::services::{failed_payments, FailedPayment};
use crate::state::PaymentRecord;

/// A processed `invoice.payment_failed` event `evt_{n}` of `org_id`, created at `created`, whose
/// payload is its own number (the decoder mock reads it back).
fn failure_row(n: u8, org_id: Option<&str>, created: i64) -> LedgerPayload {
    LedgerPayload {
        entry: LedgerEntry {
            id: event_id(&format!("evt_{n}")),
            event_type: "invoice.payment_failed".into(),
            created: at(created),
            org_id: org_id.map(org),
            status: EventStatus::Processed,
            attempts: 1,
            last_error: None,
            verified_by: Some(0),
            received_at: at(created + 1),
            processed_at: Some(at(created + 2)),
            next_attempt_at: None,
        },
        payload: vec![n],
    }
}

/// Decodes payload `[n]` as a 2900-cent failure of invoice `in_{n}`; payload `[9]` does not decode.
fn decoder() -> MockEventDecoder {
    let mut decoder = MockEventDecoder::new();
    decoder.expect_decode().returning(|payload| {
        let n = payload[0];
        if n == 9 {
            return Err(DecodeError::Malformed("unreadable".into()));
        }
        let fact = StripeFact::InvoicePaymentFailed(invoice_fact(&format!("in_{n}"), 2900));
        let event = StripeEvent { id: StripeEventId::parse(format!("evt_{n}")).unwrap(), created: at(0), fact };
        Ok(DecodedEvent { event: Some(event), org_hint: None, customer: None, livemode: false })
    });
    decoder
}

/// `org_1` whose last successful payment was at `paid_at`.
fn paid_at(paid_at: i64) -> BillingState {
    let mut parts = team_state().to_parts();
    parts.last_payment_success = Some(PaymentRecord { at: at(paid_at), amount: usd(2900), invoice_id: None, hosted_invoice_url: None });
    BillingState::from_parts(parts)
}

#[tokio::test]
async fn each_failure_has_its_amount_and_invoice_and_is_recovered_only_by_a_later_payment() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    ledger
        .expect_list_payloads()
        .withf(|f| {
            f.event_type.as_deref() == Some("invoice.payment_failed") && f.since == Some(at(5)) && f.limit == 20 && f.status.is_none()
        })
        .times(1)
        .returning(|_| Ok(vec![failure_row(3, Some("org_1"), 300), failure_row(2, Some("org_1"), 100), failure_row(9, None, 50)]));
    // One read of the organization serves both of its failures.
    repo.expect_load().withf(|o| o == &org("org_1")).times(1).returning(|_| Ok(Some(paid_at(200))));
    let found = failed_payments(&repo, &ledger, &decoder(), at(5), 20).await.unwrap();
    let failure = |n: u8, failed_at: i64, recovered_at: Option<i64>| FailedPayment {
        event_id: event_id(&format!("evt_{n}")),
        org_id: Some(org("org_1")),
        failed_at: at(failed_at),
        invoice_id: Some(invoice(&format!("in_{n}"))),
        amount: Some(usd(2900)),
        recovered_at: recovered_at.map(at),
    };
    let unreadable =
        FailedPayment { event_id: event_id("evt_9"), org_id: None, failed_at: at(50), invoice_id: None, amount: None, recovered_at: None };
    assert_eq!(found, [failure(3, 300, None), failure(2, 100, Some(200)), unreadable]);
}

#[tokio::test]
async fn a_payment_at_the_same_instant_as_the_failure_or_an_unknown_organization_is_no_recovery() {
    let (mut repo, mut ledger) = (MockBillingRepository::new(), MockWebhookLedger::new());
    ledger.expect_list_payloads().returning(|_| Ok(vec![failure_row(1, Some("org_1"), 200), failure_row(2, Some("org_2"), 200)]));
    repo.expect_load().withf(|o| o == &org("org_1")).returning(|_| Ok(Some(paid_at(200))));
    repo.expect_load().withf(|o| o == &org("org_2")).returning(|_| Ok(None));
    let found = failed_payments(&repo, &ledger, &decoder(), at(0), 10).await.unwrap();
    assert_eq!(found.iter().map(|f| f.recovered_at).collect::<Vec<_>>(), [None, None]);
}
