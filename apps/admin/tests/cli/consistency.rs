//! `consistency`: an organization made to disagree with its processed event on purpose.

use billing_admin::consistency;
use billing_core::ports::EventDisposition;
use billing_core::SubscriptionStatus;
use billing_testkit::fixtures::{at, commit_of, decide_event, org, rules, subscription_event};
use chrono::{Duration, Utc};

use crate::helpers::{admin, lines};

#[tokio::test]
async fn a_consistent_store_passes_and_a_watermark_without_its_event_is_reported_with_exit_3() {
    let (admin, _db) = admin(None).await;
    let clean = consistency::check(&admin, 10).await.unwrap();
    assert_eq!((clean.text.as_str(), clean.exit_status()), ("0 organization/event disagreement(s)", 0));
    assert_eq!(clean.json, serde_json::json!({"problems": []}));

    // The state names an event as its watermark that the ledger never recorded.
    let rules = rules();
    let state = admin.repo.load_or_create(&org(1), rules.catalog.free_plan().id()).await.unwrap();
    let applied = decide_event(&rules, &state, subscription_event("ghost", 1, SubscriptionStatus::Active, "price_team", 10), at(10));
    admin.repo.commit(commit_of(&rules, &applied, None, at(10))).await.unwrap();
    // And a newer update of its subscription is marked processed without being applied.
    let mut update = billing_testkit::fixtures::new_event("later", Some(&org(1)), "customer.subscription.updated", 20, 21);
    update.payload = br#"{"id":"evt_later","data":{"object":{"id":"sub_1"}}}"#.to_vec();
    update.received_at = Utc::now();
    admin.ledger.record(&update).await.unwrap();
    let claimed = admin.ledger.claim_due("w1", Utc::now() + Duration::seconds(1), Duration::seconds(60), 1).await.unwrap();
    admin.ledger.complete(&claimed[0].id, "w1", EventDisposition::Processed, Utc::now()).await.unwrap();

    let found = consistency::check(&admin, 10).await.unwrap();
    assert_eq!(found.exit_status(), 3);
    let kinds: Vec<(&str, &str, &str)> = found.json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["org_id"].as_str().unwrap(), p["kind"].as_str().unwrap(), p["event_id"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("org_1", "snapshot_not_applied", "evt_later"), ("org_1", "watermark_event_not_processed", "evt_ghost")]);
    assert!(found.json["problems"][1]["event_status"].is_null(), "the ledger does not hold it");
    assert!(lines(&found)[3].contains("| watermark_event_not_processed ") && lines(&found)[3].contains("| - "), "{}", found.text);
    assert_eq!(lines(&found).last(), Some(&"2 organization/event disagreement(s)"));
}
