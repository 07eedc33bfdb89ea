//! Listing, showing, replaying and recovering ledger events.

use billing_admin::error::AdminError;
use billing_admin::events;
use billing_admin::recovery::{self, RecoveryReport};
use billing_core::ports::{EventDisposition, EventStatus, LedgerFilter};
use billing_core::StripeEventId;
use billing_store::StoreInspection;
use chrono::{DateTime, Duration, Utc};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{admin, event_page, lines, store};

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("valid time")
}

fn id(raw: &str) -> StripeEventId {
    raw.parse().expect("valid event id")
}

const CREATED: &str = "evt_test_LKxLN41b6J8NSMgQBDIo6dWh";
const PLAN_CHANGE: &str = "evt_test_LhqrwhVH3oMtUZ3JZnZkv2ce";
const INVOICE: &str = "evt_test_6ReGsEAYape9EnTiI3dqePwE";

/// Stripe lists newest first: the plan change and the invoice, then (page two) the creation.
async fn mount_two_pages(stripe: &MockServer) {
    let first = event_page(&["customer.subscription.updated.plan_change.json", "invoice.paid.json"], true);
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .and(query_param("starting_after", INVOICE))
        .respond_with(ResponseTemplate::new(200).set_body_json(event_page(&["customer.subscription.created.json"], false)))
        .with_priority(1)
        .mount(stripe)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .and(query_param("created[gte]", "1785000000"))
        .and(query_param("types[]", "customer.subscription.updated"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .with_priority(2)
        .mount(stripe)
        .await;
}

#[tokio::test]
async fn recovery_records_the_events_the_ledger_lacks_and_nothing_twice() {
    let stripe = MockServer::start().await;
    mount_two_pages(&stripe).await;
    let (admin, db) = admin(Some(&stripe)).await;
    let report = recovery::recover(&admin, at(1_785_000_000), at(1_792_000_000), 10, "alice").await.unwrap();
    assert_eq!(report, RecoveryReport { fetched: 3, recorded: 3, already_recorded: 0, ..RecoveryReport::default() });

    let again = recovery::recover(&admin, at(1_785_000_000), at(1_792_000_000), 10, "bob").await.unwrap();
    assert_eq!((again.recorded, again.already_recorded), (0, 3));
    let notes = store(&db).await.event_history(&id(PLAN_CHANGE)).await.unwrap();
    let notes: Vec<(&str, &str, &str)> = notes.iter().map(|n| (n.action.as_str(), n.actor.as_str(), n.from_status.as_str())).collect();
    assert_eq!(notes, [("recover", "alice", "absent")], "who recovered it, once");
    let json = again.report().unwrap().json;
    assert_eq!(
        (json["recorded"].as_u64(), json["already_recorded"].as_u64(), json["unfinished_before"].is_null()),
        (Some(0), Some(3), true)
    );
    let entry = admin.ledger.get(&id(PLAN_CHANGE)).await.unwrap().expect("recorded");
    assert_eq!((entry.status, entry.verified_by), (EventStatus::Received, None), "queued, and marked as fetched");
    assert_eq!(entry.org_id.map(|o| o.as_str().to_owned()).as_deref(), Some("org_42"));
    assert!(admin.ledger.get(&id(CREATED)).await.unwrap().is_some());
}

#[tokio::test]
async fn recovery_stops_at_the_page_limit_and_says_where_to_resume() {
    let stripe = MockServer::start().await;
    mount_two_pages(&stripe).await;
    let (admin, _db) = admin(Some(&stripe)).await;
    let report = recovery::recover(&admin, at(1_785_000_000), at(1_792_000_000), 1, "alice").await.unwrap();
    // The invoice (created 1788687673) is the older of the first page's two events.
    assert_eq!(
        report,
        RecoveryReport {
            fetched: 2,
            recorded: 2,
            already_recorded: 0,
            unfinished_before: Some(at(1_788_687_673)),
            ..RecoveryReport::default()
        }
    );
    assert!(report.to_string().contains("--until 2026-09-06T09:41:13+00:00"), "{report}");
    assert_eq!(report.report().unwrap().json["unfinished_before"], "2026-09-06T09:41:13+00:00");
    assert!(admin.ledger.get(&id(CREATED)).await.unwrap().is_none());
}

#[tokio::test]
async fn recovery_without_a_stripe_key_is_refused_and_records_nothing() {
    let (admin, _db) = admin(None).await;
    let result = recovery::recover(&admin, at(0), at(1), 1, "alice").await;
    assert!(matches!(result, Err(AdminError::StripeNotConfigured)), "{result:?}");
    assert!(admin.ledger.list(&LedgerFilter { limit: 10, ..LedgerFilter::default() }).await.unwrap().is_empty());
}

/// Records the invoice event through recovery and takes it to the dead letter as a worker would.
async fn dead_invoice(admin: &billing_admin::context::Admin, stripe: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(event_page(&["invoice.paid.json"], false)))
        .mount(stripe)
        .await;
    recovery::recover(admin, at(0), at(2_000_000_000), 1, "alice").await.unwrap();
    let claimed = admin.ledger.claim_due("w1", Utc::now(), Duration::seconds(60), 1).await.unwrap();
    admin.ledger.dead_letter(&claimed[0].id, "w1", "organization not known yet", Utc::now()).await.unwrap();
}

#[tokio::test]
async fn a_dead_event_is_listed_shown_and_replayed_once() {
    let stripe = MockServer::start().await;
    let (admin, db) = admin(Some(&stripe)).await;
    dead_invoice(&admin, &stripe).await;
    let dead = LedgerFilter { status: Some(EventStatus::Dead), limit: 10, ..LedgerFilter::default() };
    let listed = events::list(&admin, &dead).await.unwrap();
    let rows = lines(&listed);
    assert!(rows[0].contains("| id") && rows[0].contains("| last error"), "{}", listed.text);
    assert!(rows[2].contains(INVOICE) && rows[2].contains("organization not known yet"), "{}", listed.text);
    assert_eq!(rows.last(), Some(&"1 event(s)"));
    assert_eq!((listed.json["events"][0]["id"].as_str(), listed.json["events"][0]["status"].as_str()), (Some(INVOICE), Some("dead")));
    assert_eq!(listed.json["events"][0]["source"], "api");
    let shown = events::show(&admin, &id(INVOICE)).await.unwrap();
    assert!(
        shown.text.contains("| status ") && shown.text.contains("| dead ") && shown.text.contains("fetched from the API"),
        "{}",
        shown.text
    );
    assert_eq!(shown.json["last_error"], "organization not known yet");

    let replayed = events::replay(&admin, &id(INVOICE), "alice").await.unwrap();
    assert_eq!(replayed.json["replayed_by"], "alice");
    assert_eq!(admin.ledger.get(&id(INVOICE)).await.unwrap().unwrap().status, EventStatus::Received);
    assert_eq!(events::list(&admin, &dead).await.unwrap().text, "0 event(s)");
    let twice = events::replay(&admin, &id(INVOICE), "alice").await;
    assert!(matches!(twice, Err(AdminError::NotReplayable(ref e)) if *e == id(INVOICE)), "{twice:?}");
    let notes = store(&db).await.event_history(&id(INVOICE)).await.unwrap();
    assert_eq!(
        notes.iter().map(|n| (n.action.as_str(), n.actor.as_str())).collect::<Vec<_>>(),
        [("recover", "alice"), ("replay", "alice")]
    );
}

#[tokio::test]
async fn an_unknown_event_is_reported_as_not_in_the_ledger() {
    let (admin, _db) = admin(None).await;
    assert!(matches!(events::show(&admin, &id("evt_missing")).await, Err(AdminError::EventNotFound(_))));
    assert!(matches!(events::replay(&admin, &id("evt_missing"), "alice").await, Err(AdminError::EventNotFound(_))));
}

#[tokio::test]
async fn a_processed_event_can_be_replayed() {
    let stripe = MockServer::start().await;
    let (admin, _db) = admin(Some(&stripe)).await;
    dead_invoice(&admin, &stripe).await;
    events::replay(&admin, &id(INVOICE), "alice").await.unwrap();
    let claimed = admin.ledger.claim_due("w2", Utc::now(), Duration::seconds(60), 1).await.unwrap();
    admin.ledger.complete(&claimed[0].id, "w2", EventDisposition::Processed, Utc::now()).await.unwrap();
    events::replay(&admin, &id(INVOICE), "bob").await.unwrap();
    assert_eq!(admin.ledger.get(&id(INVOICE)).await.unwrap().unwrap().attempts, 0, "a fresh retry budget");
}

#[tokio::test]
async fn events_rendered_in_another_api_version_are_recorded_and_reported() {
    let stripe = MockServer::start().await;
    let mut page = event_page(&["invoice.paid.json", "customer.subscription.created.json"], false);
    page["data"][0]["api_version"] = "2017-08-15".into();
    Mock::given(method("GET")).and(path("/v1/events")).respond_with(ResponseTemplate::new(200).set_body_json(page)).mount(&stripe).await;
    let (admin, _db) = admin(Some(&stripe)).await;
    let report = recovery::recover(&admin, at(0), at(2_000_000_000), 0, "alice").await.unwrap();
    assert_eq!(report.recorded, 2, "zero pages still asks once; both events are recorded");
    assert_eq!(report.other_versions.into_iter().collect::<Vec<_>>(), [("2017-08-15".to_owned(), 1)]);
}
