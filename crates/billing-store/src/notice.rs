//! Notices as JSON for the notification outbox, through private DTOs with explicit mapping.

use billing_core::ids::{CheckoutSessionId, PlanId, StripeDisputeId, StripeSubscriptionId};
use billing_core::{Currency, Money, Notice, SubscriptionStatus};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::CodecError;

#[derive(Debug, Serialize, Deserialize)]
struct MoneyDto {
    minor_units: i64,
    currency: String,
}

/// The stored shape; the tag matches [`Notice::kind`] so rows are readable by operators.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum NoticeDto {
    PaymentFailed { grace_until: String, amount: Option<MoneyDto> },
    FeaturesSuspended { status: String },
    PaymentActionRequired,
    EndsOn { date: String },
    PlanChangesOn { plan: String, date: String },
    Canceled { at: Option<String> },
    CheckoutInProgress { session_id: String, started_at: String },
    PlanChanged { from: String, to: String },
    RefundIssued { amount: MoneyDto, full: bool },
    PaymentRecovered { failed_at: String, recovered_at: String },
    TrialEndsSoon { ends_at: String },
    RenewalUpcoming { amount: MoneyDto, renews_at: String },
    DisputeOpened { dispute: String, amount: MoneyDto, reason: String, status: String },
    DisputeClosed { dispute: String, amount: MoneyDto, reason: String, status: String },
    SecondSubscription { subscription: String, status: String },
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn money(m: Money) -> MoneyDto {
    MoneyDto { minor_units: m.minor_units(), currency: m.currency().as_str().to_owned() }
}

fn to_dto(notice: &Notice) -> NoticeDto {
    match notice {
        Notice::PaymentFailed { grace_until, amount } => {
            NoticeDto::PaymentFailed { grace_until: time(*grace_until), amount: amount.map(money) }
        }
        Notice::FeaturesSuspended { status } => NoticeDto::FeaturesSuspended { status: status.as_str().to_owned() },
        Notice::PaymentActionRequired => NoticeDto::PaymentActionRequired,
        Notice::EndsOn { date } => NoticeDto::EndsOn { date: time(*date) },
        Notice::PlanChangesOn { plan, date } => NoticeDto::PlanChangesOn { plan: plan.as_str().to_owned(), date: time(*date) },
        Notice::Canceled { at } => NoticeDto::Canceled { at: at.map(time) },
        Notice::CheckoutInProgress { session_id, started_at } => {
            NoticeDto::CheckoutInProgress { session_id: session_id.as_str().to_owned(), started_at: time(*started_at) }
        }
        Notice::PlanChanged { from, to } => NoticeDto::PlanChanged { from: from.as_str().to_owned(), to: to.as_str().to_owned() },
        Notice::RefundIssued { amount, full } => NoticeDto::RefundIssued { amount: money(*amount), full: *full },
        Notice::PaymentRecovered { failed_at, recovered_at } => {
            NoticeDto::PaymentRecovered { failed_at: time(*failed_at), recovered_at: time(*recovered_at) }
        }
        Notice::TrialEndsSoon { ends_at } => NoticeDto::TrialEndsSoon { ends_at: time(*ends_at) },
        Notice::RenewalUpcoming { amount, renews_at } => NoticeDto::RenewalUpcoming { amount: money(*amount), renews_at: time(*renews_at) },
        Notice::DisputeOpened { dispute, amount, reason, status } => NoticeDto::DisputeOpened {
            dispute: dispute.to_string(),
            amount: money(*amount),
            reason: reason.clone(),
            status: status.clone(),
        },
        Notice::DisputeClosed { dispute, amount, reason, status } => NoticeDto::DisputeClosed {
            dispute: dispute.to_string(),
            amount: money(*amount),
            reason: reason.clone(),
            status: status.clone(),
        },
        Notice::SecondSubscription { subscription, status } => {
            NoticeDto::SecondSubscription { subscription: subscription.to_string(), status: status.as_str().to_owned() }
        }
    }
}

/// The notice as JSON text, with its kind as the `kind` field.
///
/// # Errors
/// Only if serde_json cannot write a string map, which it always can.
pub fn encode_notice(notice: &Notice) -> Result<String, CodecError> {
    Ok(serde_json::to_string(&to_dto(notice))?)
}

fn parse_time(raw: &str) -> Result<DateTime<Utc>, CodecError> {
    DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)).map_err(|_| CodecError::bad("notice", raw))
}

fn parse_money(m: MoneyDto) -> Result<Money, CodecError> {
    let currency = Currency::parse(&m.currency).map_err(|_| CodecError::bad("notice", &m.currency))?;
    Ok(Money::new(m.minor_units, currency))
}

fn parse_plan(raw: String) -> Result<PlanId, CodecError> {
    PlanId::parse(raw.clone()).map_err(|_| CodecError::bad("notice", raw))
}

fn parse_dispute(raw: String) -> Result<StripeDisputeId, CodecError> {
    StripeDisputeId::parse(raw.clone()).map_err(|_| CodecError::bad("notice", raw))
}

fn from_dto(dto: NoticeDto) -> Result<Notice, CodecError> {
    Ok(match dto {
        NoticeDto::PaymentFailed { grace_until, amount } => {
            Notice::PaymentFailed { grace_until: parse_time(&grace_until)?, amount: amount.map(parse_money).transpose()? }
        }
        NoticeDto::FeaturesSuspended { status } => {
            Notice::FeaturesSuspended { status: SubscriptionStatus::parse(&status).ok_or_else(|| CodecError::bad("notice", &status))? }
        }
        NoticeDto::PaymentActionRequired => Notice::PaymentActionRequired,
        NoticeDto::EndsOn { date } => Notice::EndsOn { date: parse_time(&date)? },
        NoticeDto::PlanChangesOn { plan, date } => Notice::PlanChangesOn { plan: parse_plan(plan)?, date: parse_time(&date)? },
        NoticeDto::Canceled { at } => Notice::Canceled { at: at.as_deref().map(parse_time).transpose()? },
        NoticeDto::CheckoutInProgress { session_id, started_at } => Notice::CheckoutInProgress {
            session_id: CheckoutSessionId::parse(session_id.clone()).map_err(|_| CodecError::bad("notice", session_id))?,
            started_at: parse_time(&started_at)?,
        },
        NoticeDto::PlanChanged { from, to } => Notice::PlanChanged { from: parse_plan(from)?, to: parse_plan(to)? },
        NoticeDto::RefundIssued { amount, full } => Notice::RefundIssued { amount: parse_money(amount)?, full },
        NoticeDto::PaymentRecovered { failed_at, recovered_at } => {
            Notice::PaymentRecovered { failed_at: parse_time(&failed_at)?, recovered_at: parse_time(&recovered_at)? }
        }
        NoticeDto::TrialEndsSoon { ends_at } => Notice::TrialEndsSoon { ends_at: parse_time(&ends_at)? },
        NoticeDto::RenewalUpcoming { amount, renews_at } => {
            Notice::RenewalUpcoming { amount: parse_money(amount)?, renews_at: parse_time(&renews_at)? }
        }
        NoticeDto::DisputeOpened { dispute, amount, reason, status } => {
            Notice::DisputeOpened { dispute: parse_dispute(dispute)?, amount: parse_money(amount)?, reason, status }
        }
        NoticeDto::DisputeClosed { dispute, amount, reason, status } => {
            Notice::DisputeClosed { dispute: parse_dispute(dispute)?, amount: parse_money(amount)?, reason, status }
        }
        NoticeDto::SecondSubscription { subscription, status } => Notice::SecondSubscription {
            subscription: StripeSubscriptionId::parse(subscription.clone()).map_err(|_| CodecError::bad("notice", subscription))?,
            status: SubscriptionStatus::parse(&status).ok_or_else(|| CodecError::bad("notice", &status))?,
        },
    })
}

/// The notice stored as `json`.
///
/// # Errors
/// [`CodecError`] when the JSON is not a notice this version knows.
pub fn decode_notice(json: &str) -> Result<Notice, CodecError> {
    from_dto(serde_json::from_str(json)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 5_000).unwrap_or_default()
    }

    fn plan(raw: &str) -> PlanId {
        PlanId::parse(raw).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_notice_round_trips_and_is_tagged_with_its_kind() {
        let usd = Money::new(9_900, Currency::USD);
        let all = [
            Notice::PaymentFailed { grace_until: at(10), amount: Some(usd) },
            Notice::PaymentFailed { grace_until: at(10), amount: None },
            Notice::FeaturesSuspended { status: SubscriptionStatus::Unpaid },
            Notice::PaymentActionRequired,
            Notice::EndsOn { date: at(20) },
            Notice::PlanChangesOn { plan: plan("team"), date: at(30) },
            Notice::Canceled { at: Some(at(40)) },
            Notice::Canceled { at: None },
            Notice::CheckoutInProgress {
                session_id: CheckoutSessionId::parse("cs_test_1").unwrap_or_else(|e| panic!("{e}")),
                started_at: at(50),
            },
            Notice::PlanChanged { from: plan("free"), to: plan("team") },
            Notice::RefundIssued { amount: usd, full: true },
            Notice::PaymentRecovered { failed_at: at(60), recovered_at: at(70) },
            Notice::TrialEndsSoon { ends_at: at(60) },
            Notice::RenewalUpcoming { amount: usd, renews_at: at(70) },
            Notice::DisputeOpened {
                dispute: StripeDisputeId::parse("dp_1").unwrap_or_else(|e| panic!("{e}")),
                amount: usd,
                reason: "fraudulent".into(),
                status: "needs_response".into(),
            },
            Notice::DisputeClosed {
                dispute: StripeDisputeId::parse("dp_1").unwrap_or_else(|e| panic!("{e}")),
                amount: usd,
                reason: "fraudulent".into(),
                status: "lost".into(),
            },
            Notice::SecondSubscription {
                subscription: StripeSubscriptionId::parse("sub_2").unwrap_or_else(|e| panic!("{e}")),
                status: SubscriptionStatus::Active,
            },
        ];
        for notice in all {
            let json = encode_notice(&notice).unwrap_or_else(|e| panic!("{e}"));
            let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            assert_eq!(value["kind"], notice.kind());
            assert_eq!(decode_notice(&json).ok(), Some(notice));
        }
    }
}
