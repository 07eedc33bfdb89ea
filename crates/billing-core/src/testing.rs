//! Builders for tests of this crate and of adapters (enabled by the `mocks` feature).

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::catalog::Catalog;
use crate::decide::Rules;
use crate::ids::{
    CheckoutSessionId, OrgId, PlanId, StripeCustomerId, StripeEventId, StripeInvoiceId, StripePriceId, StripeScheduleId,
    StripeSubscriptionId,
};
use crate::input::{InvoiceFact, StripeEvent, StripeFact, SubscriptionSnapshot};
use crate::money::{Currency, Money};
use crate::policy::Policy;
use crate::state::{BillingPeriod, BillingState, SubscriptionStatus};

/// 2026-02-01T00:00:00Z plus `secs` seconds: the epoch of every test timeline.
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).single().map_or_else(Utc::now, |t| t + Duration::seconds(secs))
}

/// One day in seconds.
pub const DAY: i64 = 24 * 3600;

/// The default catalog with Stripe prices `price_solo`, `price_team` and `price_enterprise`.
pub fn rules() -> Rules {
    let mut catalog = Catalog::default_catalog();
    for (plan, price) in [("solo", "price_solo"), ("team", "price_team"), ("enterprise", "price_enterprise")] {
        if let (Ok(plan), Ok(price)) = (PlanId::parse(plan), StripePriceId::parse(price)) {
            catalog = catalog.with_stripe_price(&plan, price).unwrap_or(catalog);
        }
    }
    Rules { catalog, policy: Policy::default() }
}

fn id<T, E: std::fmt::Debug>(parsed: Result<T, E>) -> T {
    match parsed {
        Ok(v) => v,
        Err(e) => panic!("test identifier is invalid: {e:?}"),
    }
}

pub fn org(raw: &str) -> OrgId {
    id(OrgId::parse(raw))
}
pub fn plan(raw: &str) -> PlanId {
    id(PlanId::parse(raw))
}
pub fn price(raw: &str) -> StripePriceId {
    id(StripePriceId::parse(raw))
}
pub fn sub(raw: &str) -> StripeSubscriptionId {
    id(StripeSubscriptionId::parse(raw))
}
pub fn customer(raw: &str) -> StripeCustomerId {
    id(StripeCustomerId::parse(raw))
}
pub fn event_id(raw: &str) -> StripeEventId {
    id(StripeEventId::parse(raw))
}
pub fn invoice(raw: &str) -> StripeInvoiceId {
    id(StripeInvoiceId::parse(raw))
}
pub fn schedule_id(raw: &str) -> StripeScheduleId {
    id(StripeScheduleId::parse(raw))
}
pub fn session(raw: &str) -> CheckoutSessionId {
    id(CheckoutSessionId::parse(raw))
}
pub fn usd(cents: i64) -> Money {
    Money::new(cents, Currency::USD)
}

/// A fresh organization `org_1` on the free plan.
pub fn new_org() -> BillingState {
    BillingState::new(org("org_1"), plan("free"))
}

/// The 30-day period starting at `at(start)`.
pub fn period(start: i64) -> BillingPeriod {
    match BillingPeriod::new(at(start), at(start + 30 * DAY)) {
        Some(p) => p,
        None => panic!("a 30-day period is always valid"),
    }
}

/// A snapshot of `sub_1` of `cus_1` on `price` with the given status, in the first period.
pub fn snapshot(price_id: &str, status: SubscriptionStatus) -> SubscriptionSnapshot {
    SubscriptionSnapshot {
        id: sub("sub_1"),
        customer_id: customer("cus_1"),
        status,
        price_id: price(price_id),
        cancel_at_period_end: false,
        period: period(0),
        canceled_at: None,
        org_id: None,
        schedule_id: None,
    }
}

/// An event `evt_{n}` created at `at(created)`.
pub fn event(n: u32, created: i64, fact: StripeFact) -> StripeEvent {
    StripeEvent { id: event_id(&format!("evt_{n}")), created: at(created), fact }
}

/// An invoice fact for `sub_1` of `amount` cents.
pub fn invoice_fact(invoice_id: &str, cents: i64) -> InvoiceFact {
    InvoiceFact {
        invoice_id: invoice(invoice_id),
        subscription_id: Some(sub("sub_1")),
        customer_id: Some(customer("cus_1")),
        amount: usd(cents),
        next_attempt: None,
        hosted_invoice_url: Some(format!("https://invoice.stripe.com/i/{invoice_id}")),
    }
}
