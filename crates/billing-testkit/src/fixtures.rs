//! Builders for contract tests and benchmarks: ids, times, ledger events and realistic states.

use billing_core::effect::{AuditEntry, Effect};
use billing_core::ids::{
    CheckoutSessionId, OrgId, PlanId, StripeCustomerId, StripeEventId, StripeInvoiceId, StripePriceId, StripeScheduleId,
    StripeSubscriptionId,
};
use billing_core::input::{InvoiceFact, StripeEvent, StripeFact, SubscriptionSnapshot};
use billing_core::ports::{Commit, EventDisposition, EventDone, NewEvent};
use billing_core::state::{InvoiceWatermark, PaymentRecord, PendingCheckout, ScheduleWatermark, ScheduledChange, Watermark};
use billing_core::{
    decide, next_timer_at, BillingPeriod, BillingState, BillingStateParts, Catalog, Currency, Decision, Input, Money, Notice, Policy,
    Rules, SubscriptionStatus,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn valid<T, E: std::fmt::Debug>(parsed: Result<T, E>) -> T {
    match parsed {
        Ok(v) => v,
        Err(e) => panic!("fixture identifier is invalid: {e:?}"),
    }
}

/// 2026-01-01T00:00:00Z plus `secs` seconds; contract tests pass every "now" explicitly.
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().map_or_else(Utc::now, |t| t + Duration::seconds(secs))
}

pub fn org(n: usize) -> OrgId {
    valid(OrgId::parse(format!("org_{n}")))
}
pub fn plan(raw: &str) -> PlanId {
    valid(PlanId::parse(raw))
}
pub fn event_id(raw: &str) -> StripeEventId {
    valid(StripeEventId::parse(format!("evt_{raw}")))
}
pub fn customer(n: usize) -> StripeCustomerId {
    valid(StripeCustomerId::parse(format!("cus_{n}")))
}
pub fn subscription(n: usize) -> StripeSubscriptionId {
    valid(StripeSubscriptionId::parse(format!("sub_{n}")))
}
pub fn invoice(raw: &str) -> StripeInvoiceId {
    valid(StripeInvoiceId::parse(format!("in_{raw}")))
}
pub fn session(raw: &str) -> CheckoutSessionId {
    valid(CheckoutSessionId::parse(format!("cs_{raw}")))
}
/// The payment page of Checkout session `cs_<raw>`, shaped like Stripe's.
pub fn checkout_url(raw: &str) -> String {
    format!("https://checkout.stripe.com/c/pay/cs_{raw}#fidkdWxOYHwnPyd1blpxYHZxWjA0")
}
/// The hosted page of invoice `in_<raw>`, shaped like Stripe's.
pub fn hosted_invoice_url(raw: &str) -> String {
    format!("https://invoice.stripe.com/i/acct_1Test/test_{raw}?s=ap")
}

/// The default catalog with Stripe prices `price_<plan>` for the paid plans.
pub fn rules() -> Rules {
    let mut catalog = Catalog::default_catalog();
    for raw in ["solo", "team", "enterprise"] {
        catalog = valid(catalog.with_stripe_price(&plan(raw), valid(StripePriceId::parse(format!("price_{raw}")))));
    }
    Rules { catalog, policy: Policy::default() }
}

/// A verified event of `event_type`, created and received at the given offsets from [`at`].
pub fn new_event(id: &str, org_id: Option<&OrgId>, event_type: &str, created: i64, received: i64) -> NewEvent {
    NewEvent {
        id: event_id(id),
        event_type: event_type.to_owned(),
        created: at(created),
        api_version: Some("2024-06-20".to_owned()),
        livemode: false,
        org_id: org_id.cloned(),
        payload: format!(r#"{{"id":"evt_{id}","type":"{event_type}"}}"#).into_bytes(),
        verified_by: Some(0),
        received_at: at(received),
        set_aside: None,
    }
}

/// `customer.subscription.created|updated` for subscription `n` of customer `n`.
pub fn subscription_event(id: &str, n: usize, status: SubscriptionStatus, price: &str, created: i64) -> StripeEvent {
    let period = BillingPeriod::new(at(0), at(0) + Duration::days(30)).unwrap_or_else(|| panic!("a 30-day period is valid"));
    StripeEvent {
        id: event_id(id),
        created: at(created),
        fact: StripeFact::SubscriptionChanged(SubscriptionSnapshot {
            id: subscription(n),
            customer_id: customer(n),
            status,
            price_id: valid(StripePriceId::parse(price)),
            cancel_at_period_end: false,
            period,
            canceled_at: None,
            org_id: None,
            schedule_id: None,
        }),
    }
}

/// `invoice.payment_failed` for subscription `n`.
pub fn payment_failed_event(id: &str, n: usize, created: i64) -> StripeEvent {
    StripeEvent {
        id: event_id(id),
        created: at(created),
        fact: StripeFact::InvoicePaymentFailed(InvoiceFact {
            invoice_id: invoice(id),
            subscription_id: Some(subscription(n)),
            customer_id: Some(customer(n)),
            amount: Money::new(9_900, Currency::USD),
            next_attempt: Some(at(created) + Duration::days(3)),
            hosted_invoice_url: Some(hosted_invoice_url(id)),
        }),
    }
}

/// The decision `billing-core` makes for `event`; panics if the domain refuses it.
pub fn decide_event(rules: &Rules, state: &BillingState, event: StripeEvent, now: DateTime<Utc>) -> Decision {
    decide_input(rules, state, Input::Stripe(event), now)
}

/// The decision `billing-core` makes for any input; panics if the domain refuses it.
pub fn decide_input(rules: &Rules, state: &BillingState, input: Input, now: DateTime<Utc>) -> Decision {
    valid(decide(rules, state, input, now))
}

/// The commit a worker writes for `decision`: its audit rows, its notices and the event.
pub fn commit_of(rules: &Rules, decision: &Decision, event: Option<EventDone>, at: DateTime<Utc>) -> Commit {
    let audit: Vec<AuditEntry> =
        decision.effects.iter().filter_map(|e| if let Effect::Audit(a) = e { Some(a.clone()) } else { None }).collect();
    let notices: Vec<Notice> =
        decision.effects.iter().filter_map(|e| if let Effect::Notify(n) = e { Some(n.clone()) } else { None }).collect();
    Commit { state: decision.state.clone(), audit, notices, event, next_timer_at: next_timer_at(rules, &decision.state), at }
}

/// Marks `id` processed by `holder` in the commit.
pub fn done(id: &StripeEventId, holder: &str) -> EventDone {
    EventDone { event_id: id.clone(), holder: holder.to_owned(), disposition: EventDisposition::Processed }
}

/// A state with every optional field set, sub-second times included, at `version`.
pub fn fully_populated_state(n: usize, version: u64) -> BillingState {
    let t = |secs: i64, micros: i64| at(secs) + Duration::microseconds(micros);
    let payment = |secs, cents, inv: &str| PaymentRecord {
        at: t(secs, 250),
        amount: Money::new(cents, Currency::USD),
        invoice_id: Some(invoice(inv)),
        hosted_invoice_url: Some(hosted_invoice_url(inv)),
    };
    BillingState::from_parts(BillingStateParts {
        org_id: org(n),
        plan: plan("team"),
        subscribed_plan: Some(plan("enterprise")),
        status: SubscriptionStatus::PastDue,
        cancel_at_period_end: true,
        period: BillingPeriod::new(t(0, 1), t(30 * 86_400, 2)),
        scheduled_change: Some(ScheduledChange { plan: plan("solo"), effective_at: t(30 * 86_400, 3) }),
        grace_until: Some(t(7 * 86_400, 4)),
        pending_checkout: Some(PendingCheckout {
            session_id: session("test_a1"),
            plan: plan("enterprise"),
            created_at: t(60, 5),
            url: Some(checkout_url("test_a1")),
        }),
        last_payment_attempt: Some(payment(100, 9_900, "attempt")),
        last_payment_success: Some(PaymentRecord { amount: Money::new(-1, Currency::USD), ..payment(50, 0, "success") }),
        customer_id: Some(customer(n)),
        subscription_id: Some(subscription(n)),
        canceled_at: Some(t(200, 6)),
        recent_plan_changes: vec![t(10, 7), t(20, 8), t(30, 9)],
        watermark: Some(Watermark { subscription_id: Some(subscription(n)), created: t(90, 10), event_id: Some(event_id("watermark")) }),
        ended_subscriptions: vec![subscription(n + 1_000), subscription(n + 2_000)],
        invoice_watermarks: vec![
            InvoiceWatermark { invoice_id: invoice("late"), subscription_id: Some(subscription(n)), created: t(120, 11) },
            InvoiceWatermark { invoice_id: invoice("early"), subscription_id: None, created: t(80, 12) },
        ],
        schedule_watermark: Some(ScheduleWatermark {
            schedule_id: Some(valid(StripeScheduleId::parse(format!("sub_sched_{n}")))),
            ended: true,
            created: t(150, 13),
            event_id: Some(event_id("schedule")),
        }),
        version,
    })
}
