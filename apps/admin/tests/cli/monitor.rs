//! The runbook's monitoring queries: past-due organizations, failed, dead and slow events,
//! duplicates and the backlog.

use billing_admin::monitor;
use billing_core::ports::{EventDisposition, NewEvent};
use billing_core::SubscriptionStatus;
use billing_testkit::fixtures::{at, commit_of, decide_event, event_id, new_event, org, payment_failed_event, rules, subscription_event};
use chrono::{Duration, Utc};

use crate::helpers::{admin, lines};

/// `event` as received `ago` before now, so the commands' "since" and "slower than" apply.
fn received(id: &str, org_n: usize, ago: Duration) -> NewEvent {
    NewEvent { received_at: Utc::now() - ago, ..new_event(id, Some(&org(org_n)), "invoice.paid", 10, 0) }
}

#[tokio::test]
async fn past_due_lists_each_organization_with_its_grace_deadline_and_failed_amount() {
    let (admin, _db) = admin(None).await;
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
    let rows = lines(&out);
    assert_eq!(rows.len(), 4, "{}", out.text);
    assert!(rows[0].contains("| grace until") && rows[0].contains("| failed amount"), "{}", out.text);
    assert!(
        rows[2].starts_with(&format!("| {} ", org(1))) && rows[2].contains("| team ") && rows[2].contains("| 9900 usd "),
        "{}",
        out.text
    );
    assert_eq!(rows[3], "1 organization(s) past due");
    let first = &out.json["organizations"][0];
    assert_eq!((first["org_id"].as_str(), first["failed_amount"]["minor_units"].as_i64()), (Some(org(1).as_str()), Some(9900)));
    assert!(first["grace_until"].is_string() && first["failed_at"].is_string(), "{first}");
    assert_eq!(out.exit_status(), 0);
}

#[tokio::test]
async fn failed_slow_duplicates_and_backlog_answer_the_runbooks_questions() {
    let (admin, _db) = admin(None).await;
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
    let (failed_part, dead_part) = failed.text.split_once("dead (given up):").unwrap();
    assert!(failed_part.contains("evt_failing") && !failed_part.contains("evt_dying"), "{}", failed.text);
    assert!(dead_part.contains("evt_dying") && dead_part.contains("cannot apply"), "{}", failed.text);
    assert_eq!(
        (failed.json["failed"][0]["id"].as_str(), failed.json["dead"][0]["last_error"].as_str()),
        (Some("evt_failing"), Some("cannot apply"))
    );
    let later = monitor::failed(&admin, Some(now + Duration::hours(1)), 10).await.unwrap();
    assert_eq!(later.json["failed"].as_array().map(Vec::len), Some(0), "--since narrows");

    let slow = monitor::slow(&admin, Duration::seconds(5), None, 10).await.unwrap();
    // The dead event also ended half an hour after its receipt.
    let slow_ids: Vec<&str> = slow.json["events"].as_array().unwrap().iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(slow_ids.len(), 2, "{}", slow.text);
    assert!(slow_ids.contains(&"evt_slow") && slow_ids.contains(&"evt_dying"), "{}", slow.text);
    assert_eq!(lines(&slow).last(), Some(&"2 event(s)"));
    let duplicates = monitor::duplicates(&admin).await.unwrap();
    assert_eq!((duplicates.text.as_str(), duplicates.exit_status()), ("0 duplicate event id(s)", 0));
    assert_eq!(duplicates.json, serde_json::json!({"duplicates": []}));
    let backlog = monitor::backlog(&admin).await.unwrap();
    assert_eq!((backlog.text.as_str(), backlog.json["backlog"].as_u64()), ("2 event(s) received, in flight or waiting to retry", Some(2)));
}
