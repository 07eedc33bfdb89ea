//! The organization as the billing API shows it (`GET /api/organization`); `billing-admin`
//! prints the same view, so operators read exactly what the app sees. With the `openapi`
//! feature each type also describes itself for the server's OpenAPI document.

use billing_core::notice::{banners, Notice};
use billing_core::state::PaymentRecord;
use billing_core::{entitlements_at, BillingState, Limit, Limits, Money, Rules, SubscriptionStatus};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Limits of the plan that applies now; `null` means unlimited.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LimitsDto {
    pub max_test_runs: Option<u64>,
    pub max_users: Option<u64>,
    pub max_projects: Option<u64>,
}

fn limit(l: Limit) -> Option<u64> {
    match l {
        Limit::Max(n) => Some(n),
        Limit::Unlimited => None,
    }
}

impl From<Limits> for LimitsDto {
    fn from(l: Limits) -> Self {
        Self { max_test_runs: limit(l.max_test_runs), max_users: limit(l.max_users), max_projects: limit(l.max_projects) }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyDto {
    /// Integer amount in the currency's minor unit (cents).
    pub minor_units: i64,
    /// Lowercase ISO 4217 code.
    pub currency: String,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> Self {
        Self { minor_units: m.minor_units(), currency: m.currency().to_string() }
    }
}

/// A banner to show; `kind` says which.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeDto {
    PaymentFailed {
        grace_until: DateTime<Utc>,
        amount: Option<MoneyDto>,
    },
    FeaturesSuspended {
        status: String,
    },
    PaymentActionRequired,
    EndsOn {
        date: DateTime<Utc>,
    },
    PlanChangesOn {
        plan: String,
        date: DateTime<Utc>,
    },
    Canceled {
        at: Option<DateTime<Utc>>,
    },
    CheckoutInProgress {
        session_id: String,
        started_at: DateTime<Utc>,
    },
    PlanChanged {
        from: String,
        to: String,
    },
    RefundIssued {
        amount: MoneyDto,
        full: bool,
    },
    PaymentRecovered {
        failed_at: DateTime<Utc>,
        recovered_at: DateTime<Utc>,
    },
    TrialEndsSoon {
        ends_at: DateTime<Utc>,
    },
    RenewalUpcoming {
        amount: MoneyDto,
        renews_at: DateTime<Utc>,
    },
    /// `reason` and `status` as Stripe spells them.
    DisputeOpened {
        dispute: String,
        amount: MoneyDto,
        reason: String,
        status: String,
    },
    DisputeClosed {
        dispute: String,
        amount: MoneyDto,
        reason: String,
        status: String,
    },
    /// Another live subscription of the customer, which the plan does not follow.
    SecondSubscription {
        subscription: String,
        status: String,
    },
}

impl From<Notice> for NoticeDto {
    fn from(n: Notice) -> Self {
        match n {
            Notice::PaymentFailed { grace_until, amount } => Self::PaymentFailed { grace_until, amount: amount.map(Into::into) },
            Notice::FeaturesSuspended { status } => Self::FeaturesSuspended { status: status.as_str().to_owned() },
            Notice::PaymentActionRequired => Self::PaymentActionRequired,
            Notice::EndsOn { date } => Self::EndsOn { date },
            Notice::PlanChangesOn { plan, date } => Self::PlanChangesOn { plan: plan.to_string(), date },
            Notice::Canceled { at } => Self::Canceled { at },
            Notice::CheckoutInProgress { session_id, started_at } => {
                Self::CheckoutInProgress { session_id: session_id.to_string(), started_at }
            }
            Notice::PlanChanged { from, to } => Self::PlanChanged { from: from.to_string(), to: to.to_string() },
            Notice::RefundIssued { amount, full } => Self::RefundIssued { amount: amount.into(), full },
            Notice::PaymentRecovered { failed_at, recovered_at } => Self::PaymentRecovered { failed_at, recovered_at },
            Notice::TrialEndsSoon { ends_at } => Self::TrialEndsSoon { ends_at },
            Notice::RenewalUpcoming { amount, renews_at } => Self::RenewalUpcoming { amount: amount.into(), renews_at },
            Notice::DisputeOpened { dispute, amount, reason, status } => {
                Self::DisputeOpened { dispute: dispute.to_string(), amount: amount.into(), reason, status }
            }
            Notice::DisputeClosed { dispute, amount, reason, status } => {
                Self::DisputeClosed { dispute: dispute.to_string(), amount: amount.into(), reason, status }
            }
            Notice::SecondSubscription { subscription, status } => {
                Self::SecondSubscription { subscription: subscription.to_string(), status: status.as_str().to_owned() }
            }
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledChangeDto {
    pub plan: String,
    pub effective_at: DateTime<Utc>,
}

/// The organization's subscription as the billing page shows it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionDto {
    /// The plan whose limits apply now.
    pub plan: String,
    /// One of none, incomplete, incomplete_expired, trialing, active, past_due, unpaid, paused, canceled.
    pub status: String,
    pub cancel_at_period_end: bool,
    pub current_period_end: Option<DateTime<Utc>>,
    pub scheduled_change: Option<ScheduledChangeDto>,
    pub grace_until: Option<DateTime<Utc>>,
    /// The failed invoice the past-due banner shows ("View invoice", "Update payment"), while
    /// the subscription is past due or unpaid.
    pub failed_payment: Option<FailedPaymentDto>,
    /// The last successful payment (EC-2).
    pub last_payment: Option<PaymentDto>,
    pub notices: Vec<NoticeDto>,
}

/// A payment we heard of: integer minor units beside the currency.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentDto {
    pub at: DateTime<Utc>,
    pub amount: i64,
    pub currency: String,
    pub hosted_invoice_url: Option<String>,
}

impl From<&PaymentRecord> for PaymentDto {
    fn from(p: &PaymentRecord) -> Self {
        Self {
            at: p.at,
            amount: p.amount.minor_units(),
            currency: p.amount.currency().to_string(),
            hosted_invoice_url: p.hosted_invoice_url.clone(),
        }
    }
}

/// The failed payment behind a past-due banner, with the deadline before features are suspended.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedPaymentDto {
    pub failed_at: DateTime<Utc>,
    pub amount: i64,
    pub currency: String,
    pub hosted_invoice_url: Option<String>,
    pub grace_until: Option<DateTime<Utc>>,
}

fn failed_payment(state: &BillingState) -> Option<FailedPaymentDto> {
    let unpaid = matches!(state.status(), SubscriptionStatus::PastDue | SubscriptionStatus::Unpaid);
    state.last_payment_attempt().filter(|_| unpaid).map(|p| FailedPaymentDto {
        failed_at: p.at,
        amount: p.amount.minor_units(),
        currency: p.amount.currency().to_string(),
        hosted_invoice_url: p.hosted_invoice_url.clone(),
        grace_until: state.grace_until(),
    })
}

impl SubscriptionDto {
    pub fn new(rules: &Rules, state: &BillingState, now: DateTime<Utc>) -> Self {
        let entitled = entitlements_at(&rules.catalog, state, now);
        Self {
            plan: entitled.plan.to_string(),
            status: state.status().as_str().to_owned(),
            cancel_at_period_end: state.cancel_at_period_end(),
            current_period_end: state.period().map(|p| p.end()),
            scheduled_change: state
                .scheduled_change()
                .map(|c| ScheduledChangeDto { plan: c.plan.to_string(), effective_at: c.effective_at }),
            grace_until: state.grace_until(),
            failed_payment: failed_payment(state),
            last_payment: state.last_payment_success().map(Into::into),
            notices: banners(state, now).into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationDto {
    pub id: String,
    pub plan: String,
    pub limits: LimitsDto,
    pub billing: SubscriptionDto,
    pub notices: Vec<NoticeDto>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationResponse {
    pub organization: OrganizationDto,
}

impl OrganizationResponse {
    pub fn new(rules: &Rules, state: &BillingState, now: DateTime<Utc>) -> Self {
        let entitled = entitlements_at(&rules.catalog, state, now);
        Self {
            organization: OrganizationDto {
                id: state.org_id().to_string(),
                plan: entitled.plan.to_string(),
                limits: entitled.limits.into(),
                billing: SubscriptionDto::new(rules, state, now),
                notices: banners(state, now).into_iter().map(Into::into).collect(),
            },
        }
    }
}
