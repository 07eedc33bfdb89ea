//! The organization's invoices, read from Stripe for the billing page, and the caller's role
//! beside the organization.

use billing_server::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_stores;
use crate::helpers::*;
use crate::stripe::*;

/// `GET /v1/invoices` answering a paid invoice, a draft and an open one, newest first.
fn invoice_page() -> Value {
    let paid = fixture_json("invoice.paid.json")["data"]["object"].clone();
    let mut draft = paid.clone();
    draft["id"] = json!("in_test_draft_next");
    draft["status"] = json!("draft");
    let mut open = fixture_json("invoice.payment_failed.json")["data"]["object"].clone();
    open["id"] = json!("in_test_open_older");
    json!({"object": "list", "url": "/v1/invoices", "has_more": false, "data": [draft, paid, open]})
}

both_stores!(a_member_reads_the_customers_invoices_without_drafts_in_minor_units, member_reads_invoices);

async fn member_reads_invoices(store: Store) {
    let app = spawn_app(store).await;
    subscribe(&app, "price_team_monthly", "team").await;
    mount(&app.stripe, "GET", "/v1/invoices", 200, invoice_page()).await;

    let (status, body) = app.send(Method::GET, "/api/billing/invoices?limit=5", Role::Member, None).await;

    assert_eq!(status, 200, "{body}");
    let invoices = body["invoices"].as_array().unwrap();
    let ids: Vec<&str> = invoices.iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids, ["in_test_1RyQ3p3Sep2026Cd", "in_test_open_older"]);
    let paid = &invoices[0];
    assert_eq!((paid["status"].as_str(), paid["amount_paid"].as_i64(), paid["currency"].as_str()), (Some("paid"), Some(2900), Some("usd")));
    assert_eq!(paid["number"], "ACME42-0002");
    assert!(paid["hosted_invoice_url"].as_str().is_some_and(|u| u.starts_with("https://invoice.stripe.com/")), "{paid}");
    assert!(paid["invoice_pdf"].as_str().is_some_and(|u| u.contains("/pdf")), "{paid}");
    assert_eq!((invoices[1]["status"].as_str(), invoices[1]["amount_paid"].as_i64()), (Some("open"), Some(0)));
    let asked = received(&app.stripe, "GET", "/v1/invoices").await;
    let query: Vec<(String, String)> = asked[0].url.query_pairs().into_owned().collect();
    assert_eq!(query, [("customer".to_owned(), CUSTOMER.to_owned()), ("limit".to_owned(), "5".to_owned())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_that_never_bought_has_no_invoices_and_stripe_is_not_asked() {
    let app = spawn_app(Store::Sqlite).await;
    let (status, body) = app.send(Method::GET, "/api/billing/invoices", Role::Member, None).await;
    assert_eq!((status, body), (200, json!({"invoices": []})));
    assert!(received(&app.stripe, "GET", "/v1/invoices").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_outside_stripes_page_or_a_stripe_outage_is_a_readable_error() {
    let app = spawn_app(Store::Sqlite).await;
    subscribe(&app, "price_team_monthly", "team").await;
    for limit in ["0", "101", "many"] {
        let (status, body) = app.send(Method::GET, &format!("/api/billing/invoices?limit={limit}"), Role::Member, None).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{limit}: {body}");
    }
    mount(&app.stripe, "GET", "/v1/invoices", 500, json!({"error": {"type": "api_error", "message": "boom"}})).await;
    let (status, body) = app.send(Method::GET, "/api/billing/invoices", Role::Member, None).await;
    assert_eq!((status, body["error"].as_str()), (502, Some("stripe_unavailable")), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organization_names_the_callers_role_so_pages_offer_only_what_it_may_do() {
    let app = spawn_app(Store::Sqlite).await;
    for (role, name, manage) in [(Role::Owner, "owner", true), (Role::Admin, "admin", true), (Role::Member, "member", false)] {
        let (status, body) = app.send(Method::GET, "/api/organization", role, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((body["viewer"]["role"].as_str(), body["viewer"]["can_manage"].as_bool()), (Some(name), Some(manage)), "{body}");
        assert_eq!(body["organization"]["id"], "org_42", "the organization keeps its place");
    }
}
