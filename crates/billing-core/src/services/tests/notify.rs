use chrono::Duration;

use super::*;
use crate::notice::Notice;
use crate::ports::{MockNotifier, NotifyError, OutboxClaim, OutboxItem, UndecodableNotice};
use crate::services::{DeliveryReport, NotificationDispatcher};

fn item(id: i64, attempts: u32) -> OutboxItem {
    OutboxItem { id, org_id: org("org_1"), notice: Notice::PaymentActionRequired, attempts }
}

/// A claim of `items`, all readable.
fn claim(items: Vec<OutboxItem>) -> OutboxClaim {
    OutboxClaim { items, undecodable: Vec::new() }
}

type Dispatcher = NotificationDispatcher<MockBillingRepository, MockNotifier, ManualClock>;

fn dispatcher(repo: MockBillingRepository, notifier: MockNotifier, clock: Arc<ManualClock>) -> Dispatcher {
    NotificationDispatcher::new(Arc::new(repo), Arc::new(notifier), clock)
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(at(100)))
}

#[tokio::test]
async fn a_notice_is_marked_delivered_only_after_the_notifier_accepted_it() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    repo.expect_claim_outbox()
        .withf(|now, until, limit| *now == at(100) && *until == at(160) && *limit == 10)
        .returning(|_, _, _| Ok(claim(vec![item(1, 0), item(2, 0), item(3, 0)])));
    notifier.expect_notify().returning(|i| match i.id {
        1 => Ok(()),
        2 => Err(NotifyError::Unavailable),
        _ => Err(NotifyError::NoRecipient(i.org_id.clone())),
    });
    // The failed notice waits a minute (plus its jitter); the one nobody can receive is dropped.
    repo.expect_outbox_delivered().withf(|id, _| *id == 1 || *id == 3).times(2).returning(|_, _| Ok(()));
    repo.expect_outbox_retry_at().withf(|id, when| *id == 2 && *when >= at(160) && *when < at(176)).times(1).returning(|_, _| Ok(()));
    let report = dispatcher(repo, notifier, clock()).deliver(10).await.unwrap();
    assert_eq!(report, DeliveryReport { delivered: 1, no_recipient: 1, failed: 1, dead: 0 });
}

#[tokio::test]
async fn a_notice_that_keeps_failing_waits_longer_each_time_up_to_the_cap() {
    for (attempts_before, min_delay) in [(0, Duration::minutes(1)), (3, Duration::minutes(8)), (40, Duration::hours(6))] {
        let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
        repo.expect_claim_outbox().returning(move |_, _, _| Ok(claim(vec![item(100, attempts_before)])));
        notifier.expect_notify().returning(|_| Err(NotifyError::Unknown(anyhow::anyhow!("refused with 404"))));
        // Jitter of notice 100 is zero.
        let expected = at(100) + min_delay;
        repo.expect_outbox_retry_at().withf(move |_, when| *when == expected).times(1).returning(|_, _| Ok(()));
        repo.expect_outbox_delivered().never();
        dispatcher(repo, notifier, clock()).deliver(1).await.unwrap();
    }
}

#[tokio::test]
async fn notices_are_only_sent_while_the_lease_leaves_time_for_a_whole_call() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    let clock = clock();
    repo.expect_claim_outbox().returning(|_, _, _| Ok(claim((1..=5).map(|id| item(id, 0)).collect())));
    // Each call takes 20 s of the 60 s lease; a call needs 15 s left, so the fourth is not sent
    // and stays leased until another run (or instance) takes it over.
    let ticking = Arc::clone(&clock);
    notifier.expect_notify().times(3).returning(move |_| {
        ticking.advance(Duration::seconds(20));
        Ok(())
    });
    repo.expect_outbox_delivered().times(3).returning(|_, _| Ok(()));
    let report = dispatcher(repo, notifier, clock).deliver(5).await.unwrap();
    assert_eq!(report.delivered, 3);
}

#[tokio::test]
async fn an_outbox_that_cannot_be_read_reports_the_error_and_notifies_nobody() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    repo.expect_claim_outbox().returning(|_, _, _| Err(crate::ports::RepositoryError::Unavailable));
    notifier.expect_notify().never();
    assert!(dispatcher(repo, notifier, clock()).deliver(10).await.is_err());
}

#[tokio::test]
async fn an_unreadable_notice_is_dead_lettered_with_its_reason_and_the_rest_are_delivered() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    repo.expect_claim_outbox().returning(|_, _, _| {
        let undecodable = vec![UndecodableNotice { id: 2, reason: "unknown notice kind `from_the_future`".into() }];
        Ok(OutboxClaim { items: vec![item(1, 0), item(3, 0)], undecodable })
    });
    repo.expect_outbox_dead_letter()
        .withf(|id, reason, at_| *id == 2 && reason == "undecodable notice: unknown notice kind `from_the_future`" && *at_ == at(100))
        .times(1)
        .returning(|_, _, _| Ok(()));
    notifier.expect_notify().withf(|i| i.id != 2).times(2).returning(|_| Ok(()));
    repo.expect_outbox_delivered().withf(|id, _| *id == 1 || *id == 3).times(2).returning(|_, _| Ok(()));
    let report = dispatcher(repo, notifier, clock()).deliver(10).await.unwrap();
    assert_eq!(report, DeliveryReport { delivered: 2, no_recipient: 0, failed: 0, dead: 1 });
}

#[tokio::test]
async fn the_watch_hears_of_notices_delivered_or_without_recipient_and_not_of_failed_ones() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    let recovered = Notice::PaymentRecovered { failed_at: at(10), recovered_at: at(90) };
    let mut items = vec![item(1, 0), item(2, 0), item(3, 0)];
    items[0].notice = recovered.clone();
    repo.expect_claim_outbox().returning(move |_, _, _| Ok(claim(items.clone())));
    notifier.expect_notify().returning(|i| match i.id {
        1 => Ok(()),
        2 => Err(NotifyError::Unavailable),
        _ => Err(NotifyError::NoRecipient(i.org_id.clone())),
    });
    repo.expect_outbox_delivered().returning(|_, _| Ok(()));
    repo.expect_outbox_retry_at().returning(|_, _| Ok(()));
    let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
    let watch = Arc::clone(&heard);
    let dispatcher = dispatcher(repo, notifier, clock()).on_settled(move |n| watch.lock().unwrap().push(n.clone()));
    dispatcher.deliver(10).await.unwrap();
    assert_eq!(*heard.lock().unwrap(), vec![recovered, Notice::PaymentActionRequired]);
}

#[tokio::test]
async fn each_notice_waits_its_own_share_of_jitter_after_a_failure() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    // Notice 150 spreads by half of the quarter that jitter may add: one minute and 7.5 s.
    repo.expect_claim_outbox().returning(|_, _, _| Ok(claim(vec![item(150, 0)])));
    notifier.expect_notify().returning(|_| Err(NotifyError::Unavailable));
    let expected = at(100) + Duration::milliseconds(67_500);
    repo.expect_outbox_retry_at().withf(move |_, when| *when == expected).times(1).returning(|_, _| Ok(()));
    dispatcher(repo, notifier, clock()).deliver(1).await.unwrap();
}

#[tokio::test]
async fn a_notice_is_still_sent_when_exactly_the_send_budget_of_the_lease_remains() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    let clock = clock();
    repo.expect_claim_outbox().returning(|_, _, _| Ok(claim((1..=5).map(|id| item(id, 0)).collect())));
    // Calls of 15 s start at 100, 115, 130 and 145 s: the last with exactly 15 s of the lease left.
    let ticking = Arc::clone(&clock);
    notifier.expect_notify().times(4).returning(move |_| {
        ticking.advance(Duration::seconds(15));
        Ok(())
    });
    repo.expect_outbox_delivered().times(4).returning(|_, _| Ok(()));
    assert_eq!(dispatcher(repo, notifier, clock).deliver(5).await.unwrap().delivered, 4);
}

#[test]
fn a_dispatcher_says_whether_settled_notices_are_watched() {
    let plain = dispatcher(MockBillingRepository::new(), MockNotifier::new(), clock());
    assert!(format!("{plain:?}").contains("settled: Watch(unwatched)"));
    let watched = plain.on_settled(|_| {});
    assert!(format!("{watched:?}").contains("settled: Watch(watched)"));
}
