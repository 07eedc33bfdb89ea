//! The invoices an organization remembers, each with the newest fact applied about it.

use std::sync::Arc;

use billing_core::input::{InvoiceFact, StripeEvent, StripeFact};
use billing_core::ports::Commit;
use billing_core::state::InvoiceWatermark;
use billing_core::{BillingState, BillingStateParts, Currency, Money};
use chrono::{DateTime, Duration, Utc};

use super::{free, Store};
use crate::fixtures::{at, commit_of, decide_event, event_id, hosted_invoice_url, invoice, org, payment_failed_event, rules, subscription};

/// `invoice.paid` for invoice `in_<raw>`, which names no subscription (a one-off invoice).
fn one_off_paid_event(raw: &str, created: i64) -> StripeEvent {
    StripeEvent {
        id: event_id(raw),
        created: at(created),
        fact: StripeFact::InvoicePaid(InvoiceFact {
            invoice_id: invoice(raw),
            subscription_id: None,
            customer_id: None,
            amount: Money::new(9_900, Currency::USD),
            next_attempt: None,
            hosted_invoice_url: Some(hosted_invoice_url(raw)),
        }),
    }
}

fn bare_commit(state: BillingState, at: DateTime<Utc>) -> Commit {
    Commit { state, audit: Vec::new(), notices: Vec::new(), event: None, next_timer_at: None, at }
}

/// The invoices the domain remembers come back in the order it keeps them, with and without a
/// subscription and to the microsecond, and a state that remembers none clears them.
pub async fn remembered_invoices_round_trip_in_their_order<S: Store>(store: Arc<S>) {
    let (rules, o) = (rules(), org(6));
    let fresh = store.load_or_create(&o, &free()).await.unwrap();
    let failed = decide_event(&rules, &fresh, payment_failed_event("b", 6, 30), at(30));
    let paid = decide_event(&rules, &failed.state, one_off_paid_event("a", 20), at(31));
    let expected = [
        InvoiceWatermark { invoice_id: invoice("b"), subscription_id: Some(subscription(6)), created: at(30) },
        InvoiceWatermark { invoice_id: invoice("a"), subscription_id: None, created: at(20) },
    ];
    assert_eq!(paid.state.invoice_watermarks(), &expected[..], "the fixture decisions remember both invoices");
    assert_eq!(store.commit(commit_of(&rules, &paid, None, at(31))).await.unwrap(), 1);
    assert_eq!(store.load(&o).await.unwrap(), Some(paid.state.clone().with_version(1)));

    let mut precise = paid.state.with_version(1).to_parts();
    precise.invoice_watermarks[0].created += Duration::microseconds(7);
    let precise = BillingState::from_parts(precise);
    assert_eq!(store.commit(bare_commit(precise.clone(), at(32))).await.unwrap(), 2);
    assert_eq!(store.load(&o).await.unwrap(), Some(precise.clone().with_version(2)));

    let forgotten = BillingStateParts { invoice_watermarks: Vec::new(), ..precise.with_version(2).to_parts() };
    assert_eq!(store.commit(bare_commit(BillingState::from_parts(forgotten.clone()), at(33))).await.unwrap(), 3);
    let reloaded = store.load(&o).await.unwrap();
    assert_eq!(reloaded, Some(BillingState::from_parts(BillingStateParts { version: 3, ..forgotten })));
}
