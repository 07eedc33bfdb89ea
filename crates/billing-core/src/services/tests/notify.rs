use chrono::Duration;

use super::*;
use crate::notice::Notice;
use crate::ports::{MockNotifier, NotifyError, OutboxItem};
use crate::services::NotificationDispatcher;

fn item(id: i64) -> OutboxItem {
    OutboxItem { id, org_id: org("org_1"), notice: Notice::PaymentActionRequired, attempts: 0 }
}

fn dispatcher(
    repo: MockBillingRepository,
    notifier: MockNotifier,
) -> NotificationDispatcher<MockBillingRepository, MockNotifier, ManualClock> {
    NotificationDispatcher::new(Arc::new(repo), Arc::new(notifier), Arc::new(ManualClock::new(at(100)))).with_lease(Duration::seconds(5))
}

#[tokio::test]
async fn a_notice_is_marked_delivered_only_after_the_notifier_accepted_it() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    repo.expect_claim_outbox()
        .withf(|now, until, limit| *now == at(100) && *until == at(105) && *limit == 10)
        .returning(|_, _, _| Ok(vec![item(1), item(2), item(3)]));
    notifier.expect_notify().returning(|i| match i.id {
        1 => Ok(()),
        2 => Err(NotifyError::Unavailable),
        _ => Err(NotifyError::NoRecipient(i.org_id.clone())),
    });
    // The failed notice stays in the outbox; the one nobody can receive is dropped.
    repo.expect_outbox_delivered().withf(|id, _| *id == 1 || *id == 3).times(2).returning(|_, _| Ok(()));
    assert_eq!(dispatcher(repo, notifier).deliver(10).await.unwrap(), 2);
}

#[tokio::test]
async fn an_outbox_that_cannot_be_read_reports_the_error_and_notifies_nobody() {
    let (mut repo, mut notifier) = (MockBillingRepository::new(), MockNotifier::new());
    repo.expect_claim_outbox().returning(|_, _, _| Err(crate::ports::RepositoryError::Unavailable));
    notifier.expect_notify().never();
    assert!(dispatcher(repo, notifier).deliver(10).await.is_err());
}
