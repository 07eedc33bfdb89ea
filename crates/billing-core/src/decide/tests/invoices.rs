//! Facts about one invoice in Stripe's order, and snapshots older than an invoice fact applied.

use super::*;
use crate::decide::Outcome;
use crate::input::{InvoiceFact, StripeFact};
use crate::state::InvoiceWatermark;

fn failed(n: u32, created: i64, invoice_id: &str) -> Input {
    Input::Stripe(event(n, created, StripeFact::InvoicePaymentFailed(invoice_fact(invoice_id, 9_900))))
}

fn paid(n: u32, created: i64, invoice_id: &str) -> Input {
    Input::Stripe(event(n, created, StripeFact::InvoicePaid(invoice_fact(invoice_id, 9_900))))
}

fn action_required(n: u32, created: i64, invoice_id: &str) -> Input {
    Input::Stripe(event(n, created, StripeFact::InvoiceActionRequired(invoice_fact(invoice_id, 9_900))))
}

fn snapshot_at(n: u32, created: i64, status: SubscriptionStatus) -> Input {
    Input::Stripe(event(n, created, StripeFact::SubscriptionChanged(snapshot("price_team", status))))
}

fn mark(invoice_id: &str, subscription: Option<&str>, created: i64) -> InvoiceWatermark {
    InvoiceWatermark { invoice_id: invoice(invoice_id), subscription_id: subscription.map(sub), created: at(created) }
}

/// `org_1` on Team since second 10, whose invoice `in_1` was paid at second 40.
fn paid_at_forty(rules: &Rules) -> BillingState {
    apply(rules, &on_team(rules), paid(2, 40, "in_1"), at(40)).state
}

#[test]
fn a_past_due_snapshot_older_than_the_payment_of_its_invoice_is_settled_by_reading_stripe() {
    let rules = rules();
    let state = paid_at_forty(&rules);
    let late_failure = apply(&rules, &state, failed(3, 20, "in_1"), at(41));
    assert_eq!(late_failure.outcome, Outcome::Stale);
    let late_snapshot = apply(&rules, &late_failure.state, snapshot_at(4, 21, SubscriptionStatus::PastDue), at(42));
    assert_eq!(late_snapshot.outcome, Outcome::Tie);
    assert_eq!(late_snapshot.effects, vec![Effect::RefetchSubscription(sub("sub_1"))]);
    assert_eq!((late_snapshot.state.status(), late_snapshot.state.grace_until()), (SubscriptionStatus::Active, None));
    let reread =
        apply(&rules, &late_snapshot.state, Input::SubscriptionFetched(snapshot("price_team", SubscriptionStatus::Active)), at(43));
    assert_eq!((reread.state.status(), reread.state.grace_until()), (SubscriptionStatus::Active, None));
    assert_eq!(reread.state.plan(), &plan("team"));
}

#[test]
fn a_snapshot_passed_over_for_a_reread_still_makes_older_snapshots_stale() {
    let rules = rules();
    let reread = apply(&rules, &paid_at_forty(&rules), snapshot_at(4, 21, SubscriptionStatus::PastDue), at(42));
    let watermark = reread.state.watermark().map(|w| (w.created, w.event_id.clone()));
    assert_eq!((reread.outcome, reread.state.status()), (Outcome::Tie, SubscriptionStatus::Active));
    assert_eq!(watermark, Some((at(21), Some(event_id("evt_4")))), "the watermark moves though the status does not");
    let older = apply(&rules, &reread.state, snapshot_at(5, 15, SubscriptionStatus::Active), at(43));
    assert_eq!((older.outcome, &older.state), (Outcome::Stale, &reread.state));
    let again = apply(&rules, &reread.state, snapshot_at(4, 21, SubscriptionStatus::PastDue), at(44));
    assert_eq!(again.outcome, Outcome::Duplicate);
}

#[test]
fn a_snapshot_older_than_an_invoice_fact_is_reread_only_when_it_would_change_the_status() {
    let rules = rules();
    let state = paid_at_forty(&rules);
    let mut canceling = snapshot("price_team", SubscriptionStatus::Active);
    canceling.cancel_at_period_end = true;
    let same_status = apply(&rules, &state, Input::Stripe(event(3, 21, StripeFact::SubscriptionChanged(canceling))), at(41));
    assert_eq!(same_status.outcome, Outcome::Applied);
    assert!(same_status.state.cancel_at_period_end(), "a snapshot is the only news of its own fields");
    let newer = apply(&rules, &state, snapshot_at(4, 41, SubscriptionStatus::PastDue), at(41));
    assert_eq!(newer.state.status(), SubscriptionStatus::PastDue, "a snapshot newer than every invoice fact applies");
    let same_second = apply(&rules, &state, snapshot_at(5, 40, SubscriptionStatus::PastDue), at(41));
    assert_eq!(same_second.state.status(), SubscriptionStatus::PastDue, "the snapshot's own second is not older");
    let older = apply(&rules, &state, snapshot_at(6, 39, SubscriptionStatus::PastDue), at(41));
    assert_eq!(older.outcome, Outcome::Tie);
}

#[test]
fn only_invoice_facts_of_the_snapshots_subscription_make_it_reread() {
    let rules = rules();
    let mut other = invoice_fact("in_9", 9_900);
    other.subscription_id = Some(sub("sub_2"));
    let heard = apply(&rules, &new_org(), Input::Stripe(event(1, 40, StripeFact::InvoicePaid(other))), at(40)).state;
    let unrelated = apply(&rules, &heard, snapshot_at(2, 20, SubscriptionStatus::Active), at(41));
    assert_eq!((unrelated.outcome, unrelated.state.status()), (Outcome::Applied, SubscriptionStatus::Active));
    let ours = apply(&rules, &new_org(), paid(3, 40, "in_1"), at(40)).state;
    let related = apply(&rules, &ours, snapshot_at(4, 20, SubscriptionStatus::Active), at(41));
    assert_eq!((related.outcome, related.state.status()), (Outcome::Tie, SubscriptionStatus::None));
}

#[test]
fn a_fact_about_an_invoice_older_than_one_applied_about_it_is_stale() {
    let rules = rules();
    let state = paid_at_forty(&rules);
    for late in [failed(3, 39, "in_1"), action_required(4, 39, "in_1")] {
        let d = apply(&rules, &state, late, at(41));
        assert_eq!((d.outcome, &d.state, d.effects.len()), (Outcome::Stale, &state, 0));
    }
    let same_second = apply(&rules, &state, failed(6, 40, "in_1"), at(41));
    assert_eq!(same_second.outcome, Outcome::Applied, "the same second is not older");
    assert_eq!(same_second.state.last_payment_attempt().map(|a| a.at), Some(at(40)));
    let other_invoice = apply(&rules, &state, action_required(7, 39, "in_2"), at(41));
    assert_eq!(notices(&other_invoice), vec![&Notice::PaymentActionRequired]);
}

#[test]
fn each_invoice_remembers_its_newest_fact_and_its_subscription() {
    let rules = rules();
    let failed_first = apply(&rules, &on_team(&rules), failed(2, 20, "in_1"), at(20)).state;
    assert_eq!(failed_first.invoice_watermarks(), &[mark("in_1", Some("sub_1"), 20)]);
    let paid_later = apply(&rules, &failed_first, paid(3, 40, "in_1"), at(40)).state;
    assert_eq!(paid_later.invoice_watermarks(), &[mark("in_1", Some("sub_1"), 40)]);
    let asked = apply(&rules, &paid_later, action_required(4, 50, "in_2"), at(50)).state;
    assert_eq!(asked.invoice_watermarks(), &[mark("in_1", Some("sub_1"), 40), mark("in_2", Some("sub_1"), 50)]);
    let one_off = InvoiceFact { subscription_id: None, ..invoice_fact("in_3", 500) };
    let unnamed = apply(&rules, &asked, Input::Stripe(event(5, 60, StripeFact::InvoicePaid(one_off))), at(60)).state;
    assert_eq!(unnamed.invoice_watermarks().last(), Some(&mark("in_3", Some("sub_1"), 60)), "the tracked subscription stands in");
}

#[test]
fn only_the_ten_invoices_heard_of_last_are_remembered() {
    let rules = rules();
    let mut state = on_team(&rules);
    for n in 0..12 {
        state = apply(&rules, &state, paid(n + 2, i64::from(n) + 20, &format!("in_{n}")), at(40)).state;
    }
    let remembered: Vec<String> = state.invoice_watermarks().iter().map(|w| w.invoice_id.to_string()).collect();
    assert_eq!(remembered, (2..12).map(|n| format!("in_{n}")).collect::<Vec<_>>());
}
