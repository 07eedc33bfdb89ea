//! Checkout and invoice pages kept with the state, and checkouts in the audit trail.

use std::sync::Arc;

use billing_core::input::{CheckoutCompletion, Command};
use billing_core::ports::Commit;
use billing_core::state::{PaymentRecord, PendingCheckout};
use billing_core::{Actor, AuditCause, BillingState, BillingStateParts, Currency, Input, Money, SubscriptionStatus};

use super::{free, Store};
use crate::fixtures::{
    at, checkout_url, commit_of, customer, decide_input, hosted_invoice_url, invoice, org, plan, rules, session, subscription,
};

fn payment(secs: i64, inv: &str, with_page: bool) -> PaymentRecord {
    PaymentRecord {
        at: at(secs),
        amount: Money::new(4_900, Currency::USD),
        invoice_id: Some(invoice(inv)),
        hosted_invoice_url: with_page.then(|| hosted_invoice_url(inv)),
    }
}

fn pending(raw: &str, with_page: bool) -> PendingCheckout {
    PendingCheckout { session_id: session(raw), plan: plan("team"), created_at: at(5), url: with_page.then(|| checkout_url(raw)) }
}

/// Commits `parts` over the stored state and checks that loading gives them back exactly.
async fn commit_and_reload<S: Store>(store: &S, parts: BillingStateParts) {
    let version = parts.version;
    let state = BillingState::from_parts(parts.clone());
    let commit = Commit { state, audit: Vec::new(), notices: Vec::new(), event: None, next_timer_at: None, at: at(9) };
    assert_eq!(store.commit(commit).await.unwrap(), version + 1);
    let expected = BillingState::from_parts(BillingStateParts { version: version + 1, ..parts });
    assert_eq!(store.load(expected.org_id()).await.unwrap(), Some(expected));
}

/// The pending checkout's payment page and both invoice pages come back as written, each set or
/// cleared on its own.
pub async fn pending_checkout_and_hosted_invoice_urls_round_trip_through_commit_and_load<S: Store>(store: Arc<S>) {
    let fresh = store.load_or_create(&org(3), &free()).await.unwrap().to_parts();
    let with_pages = BillingStateParts {
        pending_checkout: Some(pending("test_page", true)),
        last_payment_attempt: Some(payment(6, "attempt", true)),
        last_payment_success: Some(payment(7, "success", false)),
        ..fresh
    };
    commit_and_reload(&*store, with_pages.clone()).await;

    let swapped = BillingStateParts {
        pending_checkout: Some(pending("test_page", false)),
        last_payment_attempt: Some(payment(6, "attempt", false)),
        last_payment_success: Some(payment(7, "success", true)),
        version: 1,
        ..with_pages
    };
    commit_and_reload(&*store, swapped.clone()).await;

    let without =
        BillingStateParts { pending_checkout: None, last_payment_attempt: None, last_payment_success: None, version: 2, ..swapped };
    commit_and_reload(&*store, without).await;
}

/// A checkout opened with its payment page, then fulfilled on the customer's return: the page
/// is kept while the checkout is pending, and the fulfilment is audited as that checkout.
pub async fn a_checkout_fulfilled_on_the_customers_return_is_audited_as_that_checkout<S: Store>(store: Arc<S>) {
    let (rules, o) = (rules(), org(1));
    let state = store.load_or_create(&o, &free()).await.unwrap();
    let opened = Command::CheckoutOpened {
        session_id: session("test_back"),
        plan: plan("team"),
        customer_id: customer(1),
        url: Some(checkout_url("test_back")),
    };
    let opened = decide_input(&rules, &state, Input::Command { actor: Actor::User("user_1".into()), command: opened }, at(10));
    store.commit(commit_of(&rules, &opened, None, at(10))).await.unwrap();
    let pending = store.load(&o).await.unwrap().unwrap();
    assert_eq!(pending.pending_checkout().and_then(|p| p.url.clone()), Some(checkout_url("test_back")));

    let completion = CheckoutCompletion {
        session_id: session("test_back"),
        customer_id: Some(customer(1)),
        subscription_id: Some(subscription(1)),
        complete: true,
        paid: true,
    };
    let fulfilled = decide_input(&rules, &pending, Input::CheckoutVerified(completion), at(20));
    let commit = commit_of(&rules, &fulfilled, None, at(20));
    assert!(!commit.audit.is_empty(), "the fixture fulfilment changes the plan");
    store.commit(commit.clone()).await.unwrap();

    let trail = store.audit_trail(&o, 10).await.unwrap();
    assert_eq!(trail[..commit.audit.len()], commit.audit.iter().rev().cloned().collect::<Vec<_>>()[..]);
    assert_eq!(trail[0].cause, AuditCause::Checkout(session("test_back")));
    let stored = store.load(&o).await.unwrap().unwrap();
    assert_eq!((stored.plan(), stored.status(), stored.pending_checkout()), (&plan("team"), SubscriptionStatus::Active, None));
}

/// Organization 1 as a store crate writes it in the schema before the URL columns existed (see
/// [`crate::migrator_up_to`]): on the free plan at version 3, checkout `cs_old` for `team`
/// pending, and a 49.00 USD attempt at invoice `in_old`. After the upgrade it loads with
/// every URL `None` and nothing else lost. Not part of [`crate::contract_tests!`]: the row is
/// written in each dialect's SQL.
pub async fn an_organization_stored_before_the_url_columns_loads_without_urls<S: Store>(store: Arc<S>) {
    let loaded = store.load(&org(1)).await.unwrap().unwrap();
    assert_eq!((loaded.plan(), loaded.status(), loaded.version()), (&free(), SubscriptionStatus::None, 3));
    let pending = loaded.pending_checkout().unwrap();
    assert_eq!((&pending.session_id, &pending.plan, &pending.url), (&session("old"), &plan("team"), &None));
    let attempt = loaded.last_payment_attempt().unwrap();
    assert_eq!(
        (attempt.invoice_id.as_ref(), attempt.amount, &attempt.hosted_invoice_url),
        (Some(&invoice("old")), Money::new(4_900, Currency::USD), &None)
    );
}
