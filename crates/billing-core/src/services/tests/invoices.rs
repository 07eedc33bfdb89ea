//! Listing the organization's invoices: drafts left out, the limit clamped, Stripe not asked without a customer.

use super::*;
use crate::invoice::{InvoiceStatus, InvoiceSummary};
use crate::ports::PaymentError;

fn summary(id: &str, status: InvoiceStatus) -> InvoiceSummary {
    InvoiceSummary {
        id: invoice(id),
        number: Some(format!("NR-{id}")),
        created: at(DAY),
        status,
        amount_due: usd(9_900),
        amount_paid: usd(if status == InvoiceStatus::Paid { 9_900 } else { 0 }),
        hosted_invoice_url: Some(format!("https://invoice.example/{id}")),
        invoice_pdf: None,
    }
}

#[tokio::test]
async fn the_customers_invoices_are_listed_without_drafts() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, team_state());
    let mut payments = MockPaymentProvider::new();
    payments.expect_list_invoices().withf(|c, limit| c == &customer("cus_1") && *limit == 12).times(1).returning(|_, _| {
        Ok(vec![summary("in_3", InvoiceStatus::Draft), summary("in_2", InvoiceStatus::Open), summary("in_1", InvoiceStatus::Paid)])
    });
    let listed = service(repo, payments, 0).invoices(&org("org_1"), 12).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["in_2", "in_1"]);
}

#[tokio::test]
async fn an_organization_without_a_customer_has_no_invoices_and_stripe_is_not_asked() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, new_org());
    let mut payments = MockPaymentProvider::new();
    payments.expect_list_invoices().never();
    assert!(service(repo, payments, 0).invoices(&org("org_1"), 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_limit_stays_within_stripes_page_size() {
    for (asked, sent) in [(0, 1), (250, crate::services::MAX_INVOICES)] {
        let mut repo = MockBillingRepository::new();
        loads(&mut repo, team_state());
        let mut payments = MockPaymentProvider::new();
        payments.expect_list_invoices().withf(move |_, limit| *limit == sent).times(1).returning(|_, _| Ok(Vec::new()));
        service(repo, payments, 0).invoices(&org("org_1"), asked).await.unwrap();
    }
}

#[tokio::test]
async fn a_stripe_failure_is_the_payment_error() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, team_state());
    let mut payments = MockPaymentProvider::new();
    payments.expect_list_invoices().returning(|_, _| Err(PaymentError::Timeout));
    let err = service(repo, payments, 0).invoices(&org("org_1"), 10).await.unwrap_err();
    assert!(matches!(err, crate::services::BillingError::Payment(PaymentError::Timeout)), "{err}");
}
