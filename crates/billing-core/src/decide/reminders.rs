//! Facts from Stripe that only inform: a trial ending soon, a renewal coming up, disputes.
//! None of them changes the state; each decides whether there is something to tell.

use chrono::{DateTime, Utc};

use super::draft::Draft;
use super::{Decision, Outcome};
use crate::effect::Effect;
use crate::ids::StripeSubscriptionId;
use crate::input::{DisputeFact, UpcomingInvoice};
use crate::notice::Notice;
use crate::state::{BillingState, SubscriptionStatus};

/// The state unchanged, with `notice` when there is one to send.
fn tell(state: &BillingState, notice: Option<Notice>) -> Decision {
    let mut decision = Draft::unchanged(state, Outcome::Applied);
    decision.effects.extend(notice.map(Effect::Notify));
    decision
}

/// `customer.subscription.trial_will_end`: tells the organization while the tracked subscription
/// is still trialing and the trial has not ended yet (a late delivery tells nobody).
pub(super) fn on_trial_will_end(
    state: &BillingState,
    subscription: &StripeSubscriptionId,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Decision {
    let trialing = state.subscription_id() == Some(subscription) && state.status() == SubscriptionStatus::Trialing;
    tell(state, (trialing && now < ends_at).then_some(Notice::TrialEndsSoon { ends_at }))
}

/// `invoice.upcoming`: reminds the organization of a renewal of the tracked subscription, unless
/// it will not renew (set to cancel at period end, or in a status Stripe does not bill) or the
/// renewal already happened.
pub(super) fn on_upcoming(state: &BillingState, invoice: &UpcomingInvoice, now: DateTime<Utc>) -> Decision {
    let ours = invoice.subscription_id.is_some() && invoice.subscription_id.as_ref() == state.subscription_id();
    let renews = state.status().grants_paid_plan() && !state.cancel_at_period_end();
    let reminder = Notice::RenewalUpcoming { amount: invoice.amount, renews_at: invoice.renews_at };
    tell(state, (ours && renews && now < invoice.renews_at).then_some(reminder))
}

/// `charge.dispute.created` and `charge.dispute.closed`: operators hear of every dispute of the
/// organization's payments, with the amount, Stripe's reason and status.
pub(super) fn on_dispute(state: &BillingState, dispute: DisputeFact, closed: bool) -> Decision {
    let DisputeFact { id, amount, reason, status, .. } = dispute;
    let notice = if closed {
        Notice::DisputeClosed { dispute: id, amount, reason, status }
    } else {
        Notice::DisputeOpened { dispute: id, amount, reason, status }
    };
    tell(state, Some(notice))
}
