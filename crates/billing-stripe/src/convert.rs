//! From Stripe's wire types to billing-core's domain types, validating ids, times and money.

use std::str::FromStr;

use billing_core::money::MoneyError;
use billing_core::ports::{CheckoutSession, CheckoutSessionInfo, ProrationPreview};
use billing_core::{
    BillingPeriod, CheckoutCompletion, CheckoutSessionId, Currency, IdError, InvoiceFact, Money, OrgId, StripeCustomerId, StripeFact,
    StripeInvoiceId, StripePriceId, StripeSubscriptionId, SubscriptionSnapshot, SubscriptionStatus,
};
use chrono::{DateTime, Utc};

use crate::wire::{self, metadata_text, Expandable, HasId};

/// Why a wire value could not become a domain value.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// A subscription status this crate does not know; a newer API version may have added it.
    #[error("unknown subscription status `{0}`")]
    UnknownStatus(String),
    /// A subscription schedule status this crate does not know.
    #[error("unknown subscription schedule status `{0}`")]
    UnknownScheduleStatus(String),
    /// An invoice status this crate does not know.
    #[error("unknown invoice status `{0}`")]
    UnknownInvoiceStatus(String),
    #[error("missing field `{0}`")]
    Missing(&'static str),
    #[error("field `{field}` holds an invalid id")]
    BadId {
        field: &'static str,
        #[source]
        source: IdError,
    },
    #[error("field `{0}` holds an out-of-range timestamp")]
    BadTimestamp(&'static str),
    #[error("the billing period does not end after it starts")]
    EmptyPeriod,
    #[error("invalid currency")]
    BadCurrency(#[source] MoneyError),
    #[error("amounts overflow when added")]
    AmountOverflow,
    /// An id that may not go into a URL path.
    #[error("field `{0}` is not a plain id")]
    UnsafeId(&'static str),
}

/// A unix timestamp in seconds as a UTC time.
pub(crate) fn timestamp(field: &'static str, secs: i64) -> Result<DateTime<Utc>, ConvertError> {
    DateTime::from_timestamp(secs, 0).ok_or(ConvertError::BadTimestamp(field))
}

pub(crate) fn optional_timestamp(field: &'static str, secs: Option<i64>) -> Result<Option<DateTime<Utc>>, ConvertError> {
    secs.map(|secs| timestamp(field, secs)).transpose()
}

/// The first candidate that is a valid organization id, in the order given.
///
/// A malformed `client_reference_id` (set by another integration on the account, say) must not
/// hide a valid `metadata.org_id` behind it, so candidates that do not parse are skipped.
pub(crate) fn first_org_id<'a>(candidates: impl IntoIterator<Item = Option<&'a str>>) -> Option<OrgId> {
    candidates.into_iter().flatten().find_map(|raw| OrgId::parse(raw).ok())
}

/// Parses an id with its newtype's rules.
pub(crate) fn parse_id<T: FromStr<Err = IdError>>(field: &'static str, raw: &str) -> Result<T, ConvertError> {
    raw.parse().map_err(|source| ConvertError::BadId { field, source })
}

pub(crate) fn optional_id<T: FromStr<Err = IdError>, R: HasId>(
    field: &'static str,
    raw: Option<&Expandable<R>>,
) -> Result<Option<T>, ConvertError> {
    raw.map(|reference| parse_id(field, reference.id())).transpose()
}

pub(crate) fn money(minor_units: i64, currency: &str) -> Result<Money, ConvertError> {
    let currency = Currency::parse(currency).map_err(ConvertError::BadCurrency)?;
    Ok(Money::new(minor_units, currency))
}

fn status(raw: &wire::SubscriptionStatus) -> Result<SubscriptionStatus, ConvertError> {
    use wire::SubscriptionStatus as W;
    Ok(match raw {
        W::Incomplete => SubscriptionStatus::Incomplete,
        W::IncompleteExpired => SubscriptionStatus::IncompleteExpired,
        W::Trialing => SubscriptionStatus::Trialing,
        W::Active => SubscriptionStatus::Active,
        W::PastDue => SubscriptionStatus::PastDue,
        W::Unpaid => SubscriptionStatus::Unpaid,
        W::Paused => SubscriptionStatus::Paused,
        W::Canceled => SubscriptionStatus::Canceled,
        W::Other(other) => return Err(ConvertError::UnknownStatus(other.clone())),
    })
}

/// The current period: the first item's (basil and later), else the legacy top-level one.
fn period(sub: &wire::Subscription) -> Result<BillingPeriod, ConvertError> {
    let item = sub.items.data.first();
    let start = item.and_then(|i| i.current_period_start).or(sub.current_period_start);
    let end = item.and_then(|i| i.current_period_end).or(sub.current_period_end);
    let start = timestamp("current_period_start", start.ok_or(ConvertError::Missing("current_period_start"))?)?;
    let end = timestamp("current_period_end", end.ok_or(ConvertError::Missing("current_period_end"))?)?;
    BillingPeriod::new(start, end).ok_or(ConvertError::EmptyPeriod)
}

/// The price: the first item's, else the legacy top-level `plan`.
fn price(sub: &wire::Subscription) -> Result<StripePriceId, ConvertError> {
    let from_item = sub.items.data.first().and_then(wire::SubscriptionItem::price_id);
    let raw = from_item.or(sub.plan.as_ref().map(|plan| plan.id.as_str())).ok_or(ConvertError::Missing("items.data[0].price"))?;
    parse_id("items.data[0].price", raw)
}

impl TryFrom<&wire::Subscription> for SubscriptionSnapshot {
    type Error = ConvertError;

    fn try_from(sub: &wire::Subscription) -> Result<Self, Self::Error> {
        Ok(SubscriptionSnapshot {
            id: parse_id("id", &sub.id)?,
            customer_id: parse_id("customer", sub.customer.id())?,
            status: status(&sub.status)?,
            price_id: price(sub)?,
            cancel_at_period_end: sub.cancel_at_period_end,
            period: period(sub)?,
            canceled_at: optional_timestamp("canceled_at", sub.canceled_at)?,
            org_id: first_org_id([metadata_text(&sub.metadata, "org_id")]),
            schedule_id: optional_id("schedule", sub.schedule.as_ref())?,
        })
    }
}

impl TryFrom<&wire::CheckoutSession> for CheckoutSessionInfo {
    type Error = ConvertError;

    fn try_from(session: &wire::CheckoutSession) -> Result<Self, Self::Error> {
        let candidates = [session.client_reference_id.as_deref(), metadata_text(&session.metadata, "org_id")];
        let org_reference = first_org_id(candidates).map(|org| org.as_str().to_owned());
        Ok(CheckoutSessionInfo {
            id: parse_id("id", &session.id)?,
            complete: session.is_complete(),
            paid: session.is_paid(),
            customer: optional_id("customer", session.customer.as_ref())?,
            subscription: optional_id("subscription", session.subscription.as_ref())?,
            org_reference,
        })
    }
}

impl TryFrom<&wire::CheckoutSession> for CheckoutSession {
    type Error = ConvertError;

    fn try_from(session: &wire::CheckoutSession) -> Result<Self, Self::Error> {
        let url = session.url.clone().ok_or(ConvertError::Missing("url"))?;
        let expires_at = session.expires_at.ok_or(ConvertError::Missing("expires_at"))?;
        Ok(CheckoutSession { id: parse_id("id", &session.id)?, url, expires_at: timestamp("expires_at", expires_at)? })
    }
}

impl TryFrom<&wire::CheckoutSession> for CheckoutCompletion {
    type Error = ConvertError;

    fn try_from(session: &wire::CheckoutSession) -> Result<Self, Self::Error> {
        Ok(CheckoutCompletion {
            session_id: parse_id::<CheckoutSessionId>("id", &session.id)?,
            customer_id: optional_id("customer", session.customer.as_ref())?,
            subscription_id: optional_id("subscription", session.subscription.as_ref())?,
            complete: session.is_complete(),
            paid: session.is_paid(),
        })
    }
}

/// Which of an invoice's amounts an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvoiceAmount {
    /// `amount_paid`, for payments that went through.
    Paid,
    /// `amount_due`, for attempts that failed or wait for the customer.
    Due,
}

pub(crate) fn invoice_fact(invoice: &wire::Invoice, which: InvoiceAmount) -> Result<InvoiceFact, ConvertError> {
    let raw_id = invoice.id.as_deref().ok_or(ConvertError::Missing("id"))?;
    let minor_units = match which {
        InvoiceAmount::Paid => invoice.amount_paid,
        InvoiceAmount::Due => invoice.amount_due,
    };
    Ok(InvoiceFact {
        invoice_id: parse_id::<StripeInvoiceId>("id", raw_id)?,
        subscription_id: invoice.subscription_id().map(|raw| parse_id::<StripeSubscriptionId>("subscription", raw)).transpose()?,
        customer_id: optional_id::<StripeCustomerId, _>("customer", invoice.customer.as_ref())?,
        amount: money(minor_units, &invoice.currency)?,
        next_attempt: optional_timestamp("next_payment_attempt", invoice.next_payment_attempt)?,
        hosted_invoice_url: invoice.hosted_invoice_url.clone(),
    })
}

pub(crate) fn charge_refunded(charge: &wire::Charge) -> Result<StripeFact, ConvertError> {
    Ok(StripeFact::ChargeRefunded {
        customer_id: optional_id("customer", charge.customer.as_ref())?,
        amount_refunded: money(charge.amount_refunded, &charge.currency)?,
        fully_refunded: charge.refunded,
    })
}

/// The cost of a price change from a preview invoice: the proration lines and `amount_due`.
pub(crate) fn proration_preview(invoice: &wire::Invoice, proration_date: DateTime<Utc>) -> Result<ProrationPreview, ConvertError> {
    let proration_units = invoice
        .lines
        .data
        .iter()
        .filter(|line| line.is_proration())
        .try_fold(0_i64, |sum, line| sum.checked_add(line.amount))
        .ok_or(ConvertError::AmountOverflow)?;
    Ok(ProrationPreview {
        proration: money(proration_units, &invoice.currency)?,
        amount_due: money(invoice.amount_due, &invoice.currency)?,
        proration_date,
    })
}
