//! What a decision asks the adapters to do: Stripe calls, notifications and audit rows, as data.

use chrono::{DateTime, Utc};

use crate::ids::{
    CheckoutSessionId, IdempotencyKey, OrgId, PlanId, StripeChargeId, StripeCustomerId, StripeEventId, StripePriceId, StripeSubscriptionId,
};
use crate::input::{Actor, Timer};
use crate::money::Money;
use crate::notice::Notice;
use crate::refund::RefundReason;
use crate::state::SubscriptionStatus;

/// A Stripe operation a decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StripeCall {
    /// Open a Checkout session for `price`; the customer is created first when `customer` is `None`.
    CreateCheckout {
        plan: PlanId,
        price: StripePriceId,
        customer: Option<StripeCustomerId>,
    },
    SetCancelAtPeriodEnd {
        subscription: StripeSubscriptionId,
        cancel: bool,
    },
    /// Switch price now and invoice the proration immediately.
    ChangePriceNow {
        subscription: StripeSubscriptionId,
        price: StripePriceId,
        proration_date: DateTime<Utc>,
    },
    /// Move to `price` when the current period ends, through a subscription schedule.
    ScheduleDowngrade {
        subscription: StripeSubscriptionId,
        current_price: StripePriceId,
        price: StripePriceId,
        effective_at: DateTime<Utc>,
    },
    ReleaseSchedule {
        subscription: StripeSubscriptionId,
    },
    CancelNow {
        subscription: StripeSubscriptionId,
    },
    /// Refund `amount` of the charge (what is left of it when `None`).
    Refund {
        charge: StripeChargeId,
        amount: Option<Money>,
        reason: Option<RefundReason>,
    },
}

/// A Stripe call with the idempotency key to reuse on every retry of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeCommand {
    pub call: StripeCall,
    pub idempotency_key: IdempotencyKey,
}

/// Why an audit row was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditCause {
    StripeEvent(StripeEventId),
    /// A Checkout session was fulfilled, by its webhook or by the customer's return, whichever came first.
    Checkout(CheckoutSessionId),
    Command {
        name: &'static str,
        actor: Actor,
    },
    Timer(Timer),
    /// The subscription was re-read from Stripe and applied, at `actor`'s request: an operator's,
    /// or [`Actor::System`] for the server's own periodic reconciliation.
    Reconcile {
        actor: Actor,
    },
    /// `actor` refunded `amount` of a charge; plan and status are unchanged by the refund itself.
    Refund {
        actor: Actor,
        charge: StripeChargeId,
        amount: Money,
    },
}

/// One row of the append-only transition log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub org_id: OrgId,
    pub from_plan: PlanId,
    pub from_status: SubscriptionStatus,
    pub to_plan: PlanId,
    pub to_status: SubscriptionStatus,
    pub cause: AuditCause,
    pub at: DateTime<Utc>,
}

/// A side effect of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Stripe(StripeCommand),
    /// Read the subscription from Stripe and feed it back as [`crate::Input::SubscriptionFetched`].
    RefetchSubscription(StripeSubscriptionId),
    Notify(Notice),
    Audit(AuditEntry),
}
