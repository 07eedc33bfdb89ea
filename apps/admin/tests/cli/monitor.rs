//! The runbook's monitoring queries: past-due organizations, failed, dead and slow events,
//! duplicates and the backlog.

use billing_admin::monitor;
use billing_core::ports::{EventDisposition, NewEvent};
use billing_core::SubscriptionStatus;
use billing_testkit::fixtures::{at, commit_of, decide_event, event_id, new_event, org, payment_failed_event, rules, subscription_event};
use chrono::{Duration, Utc};

use crate::helpers::admin;

/// `event` as received `ago` before now, so the commands' "since" and "slower than" apply.
fn received(id: &str, org_n: usize, ago: Duration) -> NewEvent {
    NewEvent { received_at: Utc::now() - ago, ..new_event(id, Some(&org(org_n)), "invoice.paid", 10, 0) }
}

#[tokio::test]
async fn past_due_lists_each_organization_with_its_grace_deadline_and_failed_amount() {
    let (admin, _dir) = admin(None).await;
    let rules = rules();
    for n in [1, 2] {
        let state = admin.repo.load_or_create(&org(n), rules.catalog.free_plan().id()).await.unwrap();
        let active =
            decide_event(&rules, &state, subscription_event(&format!("s{n}"), n, SubscriptionStatus::Active, "price_team", 10), at(10));
        admin.repo.commit(commit_of(&rules, &active, None, at(10))).await.unwrap();
        if n == 1 {
            let loaded = admin.repo.load(&org(n)).await.unwrap().unwrap();
            let failed = decide_event(&rules, &loaded, payment_failed_event("f1", n, 20), at(20));
            admin.repo.commit(commit_of(&rules, &failed, None, at(20))).await.unwrap();
        }
    }
    let out = monitor::past_due(&admin, 10).await.unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with(&format!("{}  plan=team  grace_until=", org(1))), "{out}");
    assert!(!lines[0].contains("grace_until=-") && !lines[0].contains("failed_amount=-"), "{out}");
    assert_eq!(lines[1], "1 organization(s) past due");
}

#[tokio::test]
async fn failed_slow_duplicates_and_backlog_answer_the_runbooks_questions() {
    let (admin, _dir) = admin(None).await;
    for (id, n) in [("failing", 1), ("dying", 2), ("slow", 3), ("quick", 4), ("waiting", 5)] {
        admin.ledger.record(&received(id, n, Duration::minutes(30))).await.unwrap();
    }
    let now = Utc::now();
    let claimed = admin.ledger.claim_due("w1", now, Duration::seconds(60), 10).await.unwrap();
    assert_eq!(claimed.len(), 5);
    admin.ledger.fail(&event_id("failing"), "w1", "stripe timed out", now + Duration::minutes(5)).await.unwrap();
    admin.ledger.dead_letter(&event_id("dying"), "w1", "cannot apply", now).await.unwrap();
    // Received 30 minutes ago: finishing now took longer than 5 s, finishing at receipt did not.
    admin.ledger.complete(&event_id("slow"), "w1", EventDisposition::Processed, now).await.unwrap();
    admin.ledger.complete(&event_id("quick"), "w1", EventDisposition::Processed, now - Duration::minutes(30)).await.unwrap();
    admin.ledger.release(&event_id("waiting"), "w1").await.unwrap();

    let failed = monitor::failed(&admin, Some(now - Duration::hours(1)), 10).await.unwrap();
    let (failed_part, dead_part) = failed.split_once("dead:").unwrap();
    assert!(failed_part.contains("evt_failing") && !failed_part.contains("evt_dying"), "{failed}");
    assert!(dead_part.contains("evt_dying") && dead_part.contains("error=\"cannot apply\""), "{failed}");
    assert!(monitor::failed(&admin, Some(now + Duration::hours(1)), 10).await.unwrap().contains("0 event(s)"), "--since narrows");

    let slow = monitor::slow(&admin, Duration::seconds(5), None, 10).await.unwrap();
    // The dead event also ended half an hour after its receipt.
    assert!(slow.contains("evt_slow") && slow.contains("evt_dying") && slow.ends_with("2 event(s)"), "{slow}");
    assert!(!slow.contains("evt_quick") && !slow.contains("evt_failing") && !slow.contains("evt_waiting"), "{slow}");
    assert_eq!(monitor::duplicates(&admin).await.unwrap(), "0 duplicate event id(s)");
    assert_eq!(monitor::backlog(&admin).await.unwrap(), "2 event(s) received, in flight or waiting to retry");
}
