//! Strategies for random billing inputs: Stripe events, commands, timers and clocks.

use billing_core::testing::*;
use billing_core::{
    decide, Actor, BillingPeriod, BillingState, CheckoutCompletion, Command, Decision, Effect, Input, Rules, SchedulePhase,
    ScheduleSnapshot, ScheduleStatus, StripeEvent, StripeFact, SubscriptionSnapshot, SubscriptionStatus, Timer, UpcomingInvoice,
};
use chrono::{DateTime, Utc};
use proptest::prelude::*;

pub const PRICES: [&str; 3] = ["price_solo", "price_team", "price_enterprise"];
pub const PLANS: [&str; 4] = ["free", "solo", "team", "enterprise"];

pub fn status() -> impl Strategy<Value = SubscriptionStatus> {
    prop::sample::select(SubscriptionStatus::ALL[1..].to_vec())
}

/// A snapshot of `sub_1` or `sub_2` with a random price, status, flag and period.
pub fn snapshot_strategy() -> impl Strategy<Value = SubscriptionSnapshot> {
    (prop::sample::select(vec!["sub_1", "sub_2"]), prop::sample::select(PRICES.to_vec()), status(), any::<bool>(), 0i64..3).prop_map(
        |(s, p, st, cancel, n)| SubscriptionSnapshot {
            id: sub(s),
            customer_id: customer("cus_1"),
            status: st,
            price_id: price(p),
            cancel_at_period_end: cancel,
            period: period(n * 30 * DAY),
            canceled_at: None,
            org_id: None,
            schedule_id: None,
        },
    )
}

pub fn fact_strategy() -> impl Strategy<Value = StripeFact> {
    prop_oneof![
        4 => snapshot_strategy().prop_map(StripeFact::SubscriptionChanged),
        1 => snapshot_strategy().prop_map(|mut s| { s.status = SubscriptionStatus::Canceled; StripeFact::SubscriptionDeleted(s) }),
        2 => (0u8..4, 100i64..50_000).prop_map(|(n, c)| StripeFact::InvoicePaymentFailed(invoice_fact(&format!("in_{n}"), c))),
        2 => (0u8..4, 100i64..50_000).prop_map(|(n, c)| StripeFact::InvoicePaid(invoice_fact(&format!("in_{n}"), c))),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(complete, paid)| StripeFact::CheckoutCompleted(CheckoutCompletion {
            session_id: session("cs_1"), customer_id: Some(customer("cus_1")), subscription_id: Some(sub("sub_1")), complete, paid })),
        1 => Just(StripeFact::CheckoutExpired { session_id: session("cs_1") }),
        1 => (1i64..10_000).prop_map(|c| StripeFact::ChargeRefunded { customer_id: None, amount_refunded: usd(c), fully_refunded: false }),
        1 => (0u8..3, schedule_status(), prop::option::of((prop::sample::select(PRICES.to_vec()), 0i64..3)))
            .prop_map(|(n, status, next)| StripeFact::ScheduleChanged(schedule_of(n, status, next))),
        1 => (0i64..100 * DAY).prop_map(|t| StripeFact::TrialWillEnd { subscription_id: sub("sub_1"), ends_at: at(t) }),
        1 => (0i64..100 * DAY).prop_map(|t| StripeFact::InvoiceUpcoming(UpcomingInvoice {
            subscription_id: Some(sub("sub_1")), customer_id: None, amount: usd(9_900), renews_at: at(t) })),
    ]
}

fn schedule_status() -> impl Strategy<Value = ScheduleStatus> {
    prop::sample::select(vec![ScheduleStatus::Active, ScheduleStatus::Released, ScheduleStatus::Canceled, ScheduleStatus::Completed])
}

/// Schedule `sub_sched_{n}` of `sub_1` whose next phase, if any, sells `price` from period `k`'s start.
fn schedule_of(n: u8, status: ScheduleStatus, next: Option<(&str, i64)>) -> ScheduleSnapshot {
    ScheduleSnapshot {
        id: schedule_id(&format!("sub_sched_{n}")),
        subscription_id: Some(sub("sub_1")),
        status,
        next_phase: next.map(|(p, k)| SchedulePhase { price_id: price(p), starts_at: at(k * 30 * DAY) }),
    }
}

/// Schedule events as Stripe sends them, one second apart at least: one schedule at a time (a
/// subscription has at most one), each made from the subscription (no next phase), then phased
/// (a next phase, perhaps changed again), and ended before the next one is made; the last one
/// may still run.
pub fn schedule_stream_strategy() -> impl Strategy<Value = Vec<StripeEvent>> {
    let schedule = (prop::collection::vec((prop::sample::select(PRICES.to_vec()), 1i64..3), 0..3), schedule_status());
    (prop::collection::vec(schedule, 1..4), prop::collection::vec(1i64..100, 12)).prop_map(|(schedules, gaps)| {
        let mut gaps = gaps.into_iter().cycle();
        let (mut t, mut events, last) = (20, Vec::new(), schedules.len().saturating_sub(1));
        for (n, (phases, end)) in (0u8..).zip(schedules) {
            let made = std::iter::once(schedule_of(n, ScheduleStatus::Active, None));
            let phased = phases.into_iter().map(|(p, k)| schedule_of(n, ScheduleStatus::Active, Some((p, k))));
            let end = if usize::from(n) < last && end == ScheduleStatus::Active { ScheduleStatus::Released } else { end };
            let ended = (end != ScheduleStatus::Active).then(|| schedule_of(n, end, None));
            for s in made.chain(phased).chain(ended) {
                t += gaps.next().unwrap_or(1);
                events.push(event(400 + u32::try_from(events.len()).unwrap_or(0), t, StripeFact::ScheduleChanged(s)));
            }
        }
        events
    })
}

pub fn command_strategy() -> impl Strategy<Value = Command> {
    prop_oneof![
        prop::sample::select(PLANS.to_vec()).prop_map(|p| Command::StartCheckout { plan: plan(p) }),
        prop::sample::select(PLANS[1..].to_vec()).prop_map(|p| Command::CheckoutOpened {
            session_id: session("cs_1"),
            plan: plan(p),
            customer_id: customer("cus_1"),
            url: Some("https://checkout.stripe.com/c/pay/cs_1".into())
        }),
        Just(Command::CancelAtPeriodEnd),
        Just(Command::Reactivate),
        prop::sample::select(PLANS.to_vec()).prop_map(|p| Command::change_plan(plan(p))),
        (prop::sample::select(PLANS.to_vec()), 0u64..30, 0u64..30).prop_map(|(p, users, projects)| Command::ChangePlan {
            plan: plan(p),
            proration_date: None,
            usage: Some(billing_core::Usage { test_runs: 0, users, projects }),
        }),
        Just(Command::CancelScheduledChange),
        Just(Command::AdminCancelNow),
    ]
}

pub fn timer_strategy() -> impl Strategy<Value = Timer> {
    prop::sample::select(vec![Timer::PeriodEnd, Timer::GraceExpired, Timer::PendingCheckoutExpired])
}

/// Any input with an event id `evt_{n}` and a Stripe time within 100 days, plus a random "now".
pub fn step_strategy() -> impl Strategy<Value = (Input, DateTime<Utc>)> {
    let input = prop_oneof![
        5 => (0u32..40, 0i64..100 * DAY, fact_strategy()).prop_map(|(n, t, f)| Input::Stripe(event(n, t, f))),
        1 => snapshot_strategy().prop_map(Input::SubscriptionFetched),
        2 => command_strategy().prop_map(|c| Input::Command { actor: Actor::System, command: c }),
        2 => timer_strategy().prop_map(Input::Timer),
    ];
    (input, (0i64..120 * DAY).prop_map(at))
}

/// Applies `input`, keeping the old state when the transition is refused.
pub fn step(rules: &Rules, state: &BillingState, input: Input, now: DateTime<Utc>) -> BillingState {
    decide(rules, state, input, now).map(|d: Decision| d.state).unwrap_or_else(|_| state.clone())
}

/// Applies a Stripe event, settling a tie or refetch with `truth` (what Stripe returns now).
pub fn step_with_truth(rules: &Rules, state: &BillingState, ev: StripeEvent, truth: &SubscriptionSnapshot) -> BillingState {
    let now = ev.created;
    let Ok(d) = decide(rules, state, Input::Stripe(ev), now) else { return state.clone() };
    let mut next = d.state;
    if d.effects.iter().any(|e| matches!(e, Effect::RefetchSubscription(_))) {
        next = step(rules, &next, Input::SubscriptionFetched(truth.clone()), now);
    }
    next
}

/// One snapshot of a lifecycle: its price, status and flag, whether it shares the previous
/// snapshot's second (else `1 + 7 * gap` seconds later), and whether its invoice event comes a
/// second before it rather than in the same second.
type LifecycleStep = (&'static str, SubscriptionStatus, bool, i64, i64, bool);

/// A realistic, complete event stream of one subscription: snapshots at non-decreasing seconds
/// (some in the same second), each with an invoice event. The invoice a past-due subscription
/// owes stays the same until it is paid, so one invoice can fail more than once and be paid
/// later in Stripe's time; a stream may end with that payment and no snapshot reporting it.
/// Returns the events and the subscription as Stripe returns it at the end.
pub fn lifecycle_strategy() -> impl Strategy<Value = (Vec<StripeEvent>, SubscriptionSnapshot)> {
    let step = (
        prop::sample::select(PRICES.to_vec()),
        prop::sample::select(vec![
            SubscriptionStatus::Active,
            SubscriptionStatus::PastDue,
            SubscriptionStatus::Trialing,
            SubscriptionStatus::Active,
        ]),
        any::<bool>(),
        0i64..2,
        0i64..3,
        any::<bool>(),
    );
    (prop::collection::vec(step, 1..7), prop::option::of(1i64..30), any::<bool>())
        .prop_map(|(steps, recovery, deleted)| lifecycle(steps, recovery, deleted))
}

fn lifecycle(steps: Vec<LifecycleStep>, recovery: Option<i64>, deleted: bool) -> (Vec<StripeEvent>, SubscriptionSnapshot) {
    let mut events = Vec::new();
    let (mut t, mut last, mut unpaid) = (10, None, None::<String>);
    for (i, (p, st, cancel, same_second, n, invoice_first)) in steps.into_iter().enumerate() {
        t += if same_second == 1 { 0 } else { 1 + n * 7 };
        let invoice_at = t;
        t += i64::from(invoice_first);
        let s = SubscriptionSnapshot {
            id: sub("sub_1"),
            customer_id: customer("cus_1"),
            status: st,
            price_id: price(p),
            cancel_at_period_end: cancel,
            period: period(0),
            canceled_at: None,
            org_id: None,
            schedule_id: None,
        };
        let idx = u32::try_from(i).unwrap_or(0);
        let invoice = invoice_fact(&unpaid.take().unwrap_or_else(|| format!("in_{idx}")), 9_900);
        let fact = if st == SubscriptionStatus::PastDue {
            unpaid = Some(invoice.invoice_id.to_string());
            StripeFact::InvoicePaymentFailed(invoice)
        } else {
            StripeFact::InvoicePaid(invoice)
        };
        let (snapshot_event, invoice_event) =
            (event(100 + idx, t, StripeFact::SubscriptionChanged(s.clone())), event(200 + idx, invoice_at, fact));
        events.extend(if invoice_first { [invoice_event, snapshot_event] } else { [snapshot_event, invoice_event] });
        last = Some(s);
    }
    let mut last = last.unwrap_or_else(|| snapshot("price_team", SubscriptionStatus::Active));
    // The invoice the subscription is past due for is paid later, and no snapshot reports it.
    if let (Some(invoice_id), Some(lag)) = (unpaid, recovery) {
        t += lag;
        events.push(event(300, t, StripeFact::InvoicePaid(invoice_fact(&invoice_id, 9_900))));
        last.status = SubscriptionStatus::Active;
    }
    if deleted {
        last.status = SubscriptionStatus::Canceled;
        last.canceled_at = Some(at(t + 50));
        events.push(event(999, t + 50, StripeFact::SubscriptionDeleted(last.clone())));
    }
    (events, last)
}

/// The parts of a state that a complete stream determines, whatever the arrival order.
pub fn essence(s: &BillingState) -> (String, SubscriptionStatus, bool, Option<BillingPeriod>, Option<String>) {
    (s.plan().to_string(), s.status(), s.cancel_at_period_end(), s.period(), s.subscription_id().map(ToString::to_string))
}
