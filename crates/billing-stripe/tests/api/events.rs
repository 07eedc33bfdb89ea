use billing_core::ports::EventDecoder;
use billing_core::StripeEventId;
use billing_stripe::{EventListFilter, StripeEventDecoder};
use chrono::DateTime;
use serde_json::json;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn retrieving_an_event_returns_its_envelope_and_a_decodable_payload() {
    // Arrange
    let server = MockServer::start().await;
    let event = fixture_event("invoice.paid.json");
    Mock::given(method("GET"))
        .and(path("/v1/events/evt_test_6ReGsEAYape9EnTiI3dqePwE"))
        .respond_with(ResponseTemplate::new(200).set_body_json(event))
        .expect(1)
        .mount(&server)
        .await;
    let id = StripeEventId::parse("evt_test_6ReGsEAYape9EnTiI3dqePwE").unwrap();

    // Act
    let fetched = client(&server).events_retrieve(&id).await.unwrap();

    // Assert
    assert_eq!(fetched.envelope.id, id);
    assert_eq!(fetched.envelope.event_type, "invoice.paid");
    assert_eq!(fetched.envelope.org_hint, Some(org()));
    assert!(StripeEventDecoder.decode(&fetched.payload).unwrap().event.is_some());
    assert_standard_headers(&requests(&server).await[0], None);
}

#[tokio::test]
async fn listing_events_sends_types_created_and_limit_filters() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": [], "has_more": false})))
        .mount(&server)
        .await;
    let filter = EventListFilter {
        types: vec!["invoice.paid".into(), "customer.subscription.updated".into()],
        created_gte: DateTime::from_timestamp(1_788_000_000, 0),
        created_lte: DateTime::from_timestamp(1_789_000_000, 0),
        delivery_success: Some(false),
        limit: Some(250),
        starting_after: None,
    };

    // Act
    let page = client(&server).events_list(&filter).await.unwrap();

    // Assert
    assert!(page.events.is_empty());
    assert_eq!(page.next_cursor(), None);
    let sent = requests(&server).await;
    assert_standard_headers(&sent[0], None);
    assert_eq!(
        query(&sent[0]),
        pairs(&[
            ("types[]", "invoice.paid"),
            ("types[]", "customer.subscription.updated"),
            ("created[gte]", "1788000000"),
            ("created[lte]", "1789000000"),
            ("delivery_success", "false"),
            ("limit", "100"),
        ])
    );
}

#[tokio::test]
async fn a_single_type_filter_uses_the_type_parameter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [], "has_more": false})))
        .mount(&server)
        .await;
    let filter = EventListFilter { types: vec!["invoice.*".into()], ..EventListFilter::default() };

    client(&server).events_list(&filter).await.unwrap();

    assert_eq!(query(&requests(&server).await[0]), pairs(&[("type", "invoice.*")]));
}

#[tokio::test]
async fn listing_all_events_follows_the_cursor_until_has_more_is_false() {
    // Arrange
    let server = MockServer::start().await;
    let newest = fixture_event("charge.refunded.json");
    let older = fixture_event("invoice.paid.json");
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .and(query_param_is_missing("starting_after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": [newest], "has_more": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .and(query_param("starting_after", "evt_test_9mxXdC25xQp9XTWa8AvjbsF4"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": [older], "has_more": false})))
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let events = client(&server).events_list_all(&EventListFilter::default(), 10).await.unwrap();

    // Assert
    let types: Vec<_> = events.iter().map(|e| e.envelope.event_type.as_str()).collect();
    assert_eq!(types, ["charge.refunded", "invoice.paid"]);
}
