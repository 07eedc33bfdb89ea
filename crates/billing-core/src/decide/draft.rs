//! A state being changed by one decision, collecting effects and writing the audit row at the end.

use chrono::{DateTime, Utc};

use super::{Decision, Outcome};
use crate::effect::{AuditCause, AuditEntry, Effect, StripeCall, StripeCommand};
use crate::ids::IdempotencyKey;
use crate::notice::Notice;
use crate::state::{BillingState, BillingStateParts};

pub(super) struct Draft<'a> {
    before: &'a BillingState,
    pub(super) next: BillingStateParts,
    effects: Vec<Effect>,
}

impl<'a> Draft<'a> {
    pub(super) fn new(before: &'a BillingState) -> Self {
        Self { before, next: before.to_parts(), effects: Vec::new() }
    }

    pub(super) fn before(&self) -> &'a BillingState {
        self.before
    }

    pub(super) fn notify(&mut self, notice: Notice) {
        self.effects.push(Effect::Notify(notice));
    }

    pub(super) fn effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// Adds a Stripe call whose idempotency key is derived from the operation and the state version.
    pub(super) fn stripe(&mut self, operation: &str, detail: &str, call: StripeCall) {
        let before = self.before;
        let idempotency_key = IdempotencyKey::for_operation(operation, before.org_id(), before.version(), detail);
        self.effects.push(Effect::Stripe(StripeCommand { call, idempotency_key }));
    }

    /// Finishes the decision: an audit row when plan or status changed, and a plan-change notice.
    pub(super) fn finish(mut self, cause: AuditCause, outcome: Outcome, now: DateTime<Utc>) -> Decision {
        let before = self.before;
        let plan_changed = before.plan() != &self.next.plan;
        if plan_changed || before.status() != self.next.status {
            self.effects.push(Effect::Audit(AuditEntry {
                org_id: before.org_id().clone(),
                from_plan: before.plan().clone(),
                from_status: before.status(),
                to_plan: self.next.plan.clone(),
                to_status: self.next.status,
                cause,
                at: now,
            }));
        }
        if plan_changed {
            self.effects.push(Effect::Notify(Notice::PlanChanged { from: before.plan().clone(), to: self.next.plan.clone() }));
        }
        Decision { state: BillingState::from_parts(self.next), effects: self.effects, outcome }
    }

    /// A decision that changes nothing.
    pub(super) fn unchanged(state: &BillingState, outcome: Outcome) -> Decision {
        Decision { state: state.clone(), effects: Vec::new(), outcome }
    }
}
