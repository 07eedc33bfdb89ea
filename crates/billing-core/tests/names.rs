//! The stable names of Stripe facts (audit rows, errors) and notice kinds (APIs, templates, the
//! outbox's `kind` column): each is its own, and they do not change.
#![allow(clippy::unwrap_used)]

use billing_core::testing::*;
use billing_core::{
    CheckoutCompletion, DisputeFact, Notice, SchedulePhase, ScheduleSnapshot, ScheduleStatus, StripeChargeId, StripeDisputeId, StripeFact,
    SubscriptionStatus, UpcomingInvoice,
};

fn dispute() -> DisputeFact {
    DisputeFact {
        id: StripeDisputeId::parse("dp_1").unwrap(),
        charge_id: StripeChargeId::parse("ch_1").unwrap(),
        amount: usd(100),
        reason: "general".into(),
        status: "needs_response".into(),
    }
}

#[test]
fn every_stripe_fact_has_its_own_stable_name() {
    let completion =
        CheckoutCompletion { session_id: session("cs_1"), customer_id: None, subscription_id: None, complete: true, paid: true };
    let upcoming = UpcomingInvoice { subscription_id: None, customer_id: None, amount: usd(100), renews_at: at(0) };
    let schedule = ScheduleSnapshot {
        id: schedule_id("sub_sched_1"),
        subscription_id: None,
        status: ScheduleStatus::Active,
        next_phase: Some(SchedulePhase { price_id: price("price_team"), starts_at: at(0) }),
    };
    let named = [
        (StripeFact::CheckoutCompleted(completion), "checkout_completed"),
        (StripeFact::CheckoutExpired { session_id: session("cs_1") }, "checkout_expired"),
        (StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)), "subscription_changed"),
        (StripeFact::SubscriptionDeleted(snapshot("price_team", SubscriptionStatus::Canceled)), "subscription_deleted"),
        (StripeFact::InvoicePaymentFailed(invoice_fact("in_1", 100)), "invoice_payment_failed"),
        (StripeFact::InvoicePaid(invoice_fact("in_1", 100)), "invoice_paid"),
        (StripeFact::InvoiceActionRequired(invoice_fact("in_1", 100)), "invoice_action_required"),
        (StripeFact::ChargeRefunded { customer_id: None, amount_refunded: usd(100), fully_refunded: true }, "charge_refunded"),
        (StripeFact::TrialWillEnd { subscription_id: sub("sub_1"), ends_at: at(0) }, "trial_will_end"),
        (StripeFact::InvoiceUpcoming(upcoming), "invoice_upcoming"),
        (StripeFact::ScheduleChanged(schedule), "schedule_changed"),
        (StripeFact::DisputeOpened(dispute()), "dispute_opened"),
        (StripeFact::DisputeClosed(dispute()), "dispute_closed"),
    ];
    for (fact, name) in named {
        assert_eq!(fact.name(), name);
    }
}

#[test]
fn every_notice_has_its_own_stable_kind() {
    let kinds = [
        (Notice::PaymentActionRequired, "payment_action_required"),
        (Notice::RefundIssued { amount: usd(100), full: true }, "refund_issued"),
        (Notice::TrialEndsSoon { ends_at: at(0) }, "trial_ends_soon"),
        (Notice::RenewalUpcoming { amount: usd(100), renews_at: at(0) }, "renewal_upcoming"),
        (
            Notice::DisputeOpened { dispute: dispute().id, amount: usd(100), reason: "general".into(), status: "needs_response".into() },
            "dispute_opened",
        ),
        (
            Notice::DisputeClosed { dispute: dispute().id, amount: usd(100), reason: "general".into(), status: "won".into() },
            "dispute_closed",
        ),
        (Notice::SecondSubscription { subscription: sub("sub_2"), status: SubscriptionStatus::Active }, "second_subscription"),
        (Notice::PlanChanged { from: plan("free"), to: plan("team") }, "plan_changed"),
        (Notice::Canceled { at: None }, "canceled"),
        (Notice::EndsOn { date: at(0) }, "ends_on"),
        (Notice::PlanChangesOn { plan: plan("solo"), date: at(0) }, "plan_changes_on"),
        (Notice::FeaturesSuspended { status: SubscriptionStatus::Unpaid }, "features_suspended"),
        (Notice::PaymentFailed { grace_until: at(0), amount: None }, "payment_failed"),
        (Notice::CheckoutInProgress { session_id: session("cs_1"), started_at: at(0) }, "checkout_in_progress"),
    ];
    for (notice, kind) in kinds {
        assert_eq!(notice.kind(), kind);
    }
}
