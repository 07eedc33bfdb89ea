//! Use-case tests against mockall mocks of every port.

mod checkout;
mod checkout_owner;
mod commands;
mod drift;
mod event_batches;
mod event_owners;
mod event_retries;
mod events;
mod intake;
mod intake_mode;
mod invoices;
mod notify;
mod operator;
mod payments;
mod proration;
mod recovery;
mod sweep;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{BillingService, EventProcessor, ReturnUrls};
use crate::input::{Input, StripeFact};
use crate::ports::{ClaimedEvent, ManualClock, MockBillingRepository, MockEventDecoder, MockPaymentProvider, MockWebhookLedger};
use crate::retry::RetryPolicy;
use crate::state::{BillingState, SubscriptionStatus};
use crate::testing::*;

type Service = BillingService<MockBillingRepository, MockPaymentProvider, ManualClock>;
type Processor = EventProcessor<MockBillingRepository, MockWebhookLedger, MockPaymentProvider, MockEventDecoder, ManualClock>;

/// An event processor at `now` that gives up persistent failures after three attempts.
fn processor_at(
    now: i64,
    repo: MockBillingRepository,
    ledger: MockWebhookLedger,
    payments: MockPaymentProvider,
    decoder: MockEventDecoder,
) -> Processor {
    let retry = RetryPolicy { max_attempts: 3, ..RetryPolicy::default() };
    let clock = Arc::new(ManualClock::new(at(now)));
    EventProcessor::new(Arc::new(repo), Arc::new(ledger), Arc::new(payments), Arc::new(decoder), clock, Arc::new(rules()), retry)
}

/// Event `evt_1` (a subscription update created at 10) of `org_id`, leased by `w1` until
/// `lease_until` after `attempts` attempts.
fn claimed_event(org_id: Option<&str>, attempts: u32, received_at: DateTime<Utc>, lease_until: DateTime<Utc>) -> ClaimedEvent {
    ClaimedEvent {
        id: event_id("evt_1"),
        event_type: "customer.subscription.updated".into(),
        created: at(10),
        org_id: org_id.map(org),
        payload: b"{}".to_vec(),
        attempts,
        lease_expiries: 0,
        received_at,
        holder: "w1".into(),
        lease_until,
    }
}

fn urls() -> ReturnUrls {
    ReturnUrls {
        checkout_success: "https://app.example/billing?session_id={CHECKOUT_SESSION_ID}".into(),
        checkout_cancel: "https://app.example/billing".into(),
        portal_return: "https://app.example/billing".into(),
    }
}

fn service(repo: MockBillingRepository, payments: MockPaymentProvider, now: i64) -> Service {
    BillingService::new(Arc::new(repo), Arc::new(payments), Arc::new(ManualClock::new(at(now))), Arc::new(rules()), urls())
}

/// `org_1` on an active Team subscription, stored at version 4.
fn team_state() -> BillingState {
    let rules = rules();
    let ev = event(1, 10, StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active)));
    let mut parts =
        crate::decide::decide(&rules, &new_org(), Input::Stripe(ev), at(10)).map(|d| d.state.to_parts()).unwrap_or_else(|e| panic!("{e}"));
    parts.version = 4;
    BillingState::from_parts(parts)
}

fn loads(repo: &mut MockBillingRepository, state: BillingState) {
    repo.expect_load_or_create().returning(move |_, _| Ok(state.clone()));
}

#[tokio::test]
async fn services_work_over_trait_objects_so_the_store_can_be_chosen_at_run_time() {
    use crate::ports::{BillingRepository, Clock, PaymentProvider};
    let mut mock = MockBillingRepository::new();
    loads(&mut mock, team_state());
    let repo: Arc<dyn BillingRepository> = Arc::new(mock);
    let payments: Arc<dyn PaymentProvider> = Arc::new(MockPaymentProvider::new());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at(0)));
    let service: BillingService<dyn BillingRepository, dyn PaymentProvider, dyn Clock> =
        BillingService::new(repo, payments, clock, Arc::new(rules()), urls());
    assert_eq!(service.state(&org("org_1")).await.unwrap().plan(), &plan("team"));
}
