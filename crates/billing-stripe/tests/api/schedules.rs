use billing_core::ports::{PaymentProvider, ScheduledDowngrade};
use chrono::DateTime;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const SCHEDULE: &str = "sub_sched_test_1Dn9Yq";
const PERIOD_START: i64 = 1_788_444_149;
const PERIOD_END: i64 = 1_791_036_149;

fn schedule() -> Value {
    json!({
        "id": SCHEDULE, "object": "subscription_schedule", "status": "active", "subscription": SUB,
        "current_phase": {"start_date": PERIOD_START, "end_date": PERIOD_END},
        "phases": [{"start_date": PERIOD_START, "end_date": PERIOD_END, "items": [{"price": "price_team_monthly", "quantity": 1}]}]
    })
}

fn downgrade() -> ScheduledDowngrade {
    ScheduledDowngrade {
        subscription: sub_id(),
        current_price: price("price_team_monthly"),
        price: price("price_starter_monthly"),
        effective_at: DateTime::from_timestamp(PERIOD_END, 0).unwrap(),
    }
}

fn expected_phases() -> Vec<(String, String)> {
    let start = PERIOD_START.to_string();
    let end = PERIOD_END.to_string();
    pairs(&[
        ("end_behavior", "release"),
        ("proration_behavior", "none"),
        ("phases[0][items][0][price]", "price_team_monthly"),
        ("phases[0][items][0][quantity]", "1"),
        ("phases[0][start_date]", &start),
        ("phases[0][end_date]", &end),
        ("phases[1][items][0][price]", "price_starter_monthly"),
        ("phases[1][items][0][quantity]", "1"),
        ("phases[1][duration][interval]", "month"),
        ("phases[1][duration][interval_count]", "1"),
    ])
}

async fn serve(server: &MockServer, verb: &str, route: String, body: Value) {
    Mock::given(method(verb)).and(path(route)).respond_with(ResponseTemplate::new(200).set_body_json(body)).expect(1).mount(server).await;
}

#[tokio::test]
async fn a_downgrade_creates_a_schedule_from_the_subscription_then_sets_two_phases() {
    // Arrange
    let server = MockServer::start().await;
    serve(&server, "GET", format!("/v1/subscriptions/{SUB}"), subscription()).await;
    serve(&server, "POST", "/v1/subscription_schedules".into(), schedule()).await;
    serve(&server, "POST", format!("/v1/subscription_schedules/{SCHEDULE}"), schedule()).await;
    let key = key("downgrade");

    // Act
    client(&server).schedule_downgrade(&downgrade(), &key).await.unwrap();

    // Assert
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 3);
    assert_eq!(query(&sent[0]), pairs(&[("expand[]", "schedule")]));
    assert_standard_headers(&sent[1], Some(format!("{key}:create").as_str()));
    assert_eq!(form(&sent[1]), pairs(&[("from_subscription", SUB)]));
    assert_standard_headers(&sent[2], Some(format!("{key}:phases").as_str()));
    assert_eq!(form(&sent[2]), expected_phases());
}

#[tokio::test]
async fn a_downgrade_reuses_the_schedule_already_attached() {
    // Arrange
    let server = MockServer::start().await;
    let mut with_schedule = subscription();
    with_schedule["schedule"] = schedule();
    serve(&server, "GET", format!("/v1/subscriptions/{SUB}"), with_schedule).await;
    serve(&server, "POST", format!("/v1/subscription_schedules/{SCHEDULE}"), schedule()).await;

    // Act
    client(&server).schedule_downgrade(&downgrade(), &key("downgrade")).await.unwrap();

    // Assert
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(form(&sent[1]), expected_phases());
}

#[tokio::test]
async fn a_downgrade_reads_an_attached_schedule_that_came_unexpanded() {
    // Arrange
    let server = MockServer::start().await;
    let mut with_schedule = subscription();
    with_schedule["schedule"] = json!(SCHEDULE);
    serve(&server, "GET", format!("/v1/subscriptions/{SUB}"), with_schedule).await;
    serve(&server, "GET", format!("/v1/subscription_schedules/{SCHEDULE}"), schedule()).await;
    serve(&server, "POST", format!("/v1/subscription_schedules/{SCHEDULE}"), schedule()).await;

    // Act
    client(&server).schedule_downgrade(&downgrade(), &key("downgrade")).await.unwrap();

    // Assert
    let sent = requests(&server).await;
    assert_eq!(sent.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "GET", "POST"]);
    assert_eq!(form(&sent[2]), expected_phases());
}

#[tokio::test]
async fn releasing_posts_to_the_attached_schedule() {
    // Arrange
    let server = MockServer::start().await;
    let mut with_schedule = subscription();
    with_schedule["schedule"] = json!(SCHEDULE);
    serve(&server, "GET", format!("/v1/subscriptions/{SUB}"), with_schedule).await;
    serve(&server, "POST", format!("/v1/subscription_schedules/{SCHEDULE}/release"), schedule()).await;
    let key = key("release");

    // Act
    client(&server).release_schedule(&sub_id(), &key).await.unwrap();

    // Assert
    let sent = requests(&server).await;
    assert_standard_headers(&sent[1], Some(key.as_str()));
    assert!(form(&sent[1]).is_empty());
}

#[tokio::test]
async fn releasing_without_a_schedule_only_reads_the_subscription() {
    let server = MockServer::start().await;
    serve(&server, "GET", format!("/v1/subscriptions/{SUB}"), subscription()).await;

    client(&server).release_schedule(&sub_id(), &key("release")).await.unwrap();

    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_schedule_id_that_is_not_a_plain_id_never_reaches_a_url() {
    let server = MockServer::start().await;
    let mut with_schedule = subscription();
    with_schedule["schedule"] = json!("../../v1/charges");
    serve(&server, "GET", format!("/v1/subscriptions/{SUB}"), with_schedule).await;

    let result = client(&server).release_schedule(&sub_id(), &key("release")).await;

    assert!(matches!(result, Err(billing_core::ports::PaymentError::Unknown(_))));
    assert_eq!(requests(&server).await.len(), 1);
}
