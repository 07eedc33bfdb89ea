//! The hosted pages by plain HTTP, as a browser without JavaScript uses them: Checkout, the
//! billing portal and the hosted invoice page, each form answered with a redirect.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::PaymentProvider;
use billing_stripe::StripeClient;
use common::world::{advance, events_since, reread, set_card, subscribed, types, RENEWAL};
use common::{checkout_request, customer, get, key, post, start};
use serde_json::Value;

/// A browser that does not follow redirects, so that the tests see them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// GET `url`: status and HTML.
async fn open(url: &str) -> (u16, String) {
    let response = browser().get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// POST a form to `url`: status, `Location` and HTML.
async fn submit(url: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
    let response = browser().post(url).form(form).send().await.unwrap();
    let location = response.headers().get("location").map(|value| value.to_str().unwrap().to_owned());
    (response.status().as_u16(), location, response.text().await.unwrap())
}

/// An open Team session: its id and `url`.
async fn session(client: &StripeClient) -> (billing_core::CheckoutSessionId, String) {
    let customer = customer(client).await;
    let session = client.create_checkout_session(&checkout_request(&customer, "price_team_monthly"), &key("checkout")).await.unwrap();
    (session.id, session.url)
}

#[tokio::test]
async fn the_checkout_page_shows_the_plan_its_amount_a_prefilled_card_and_the_cancel_link() {
    let (_sim, client) = start();
    let (_, url) = session(&client).await;

    let (status, html) = open(&url).await;

    assert_eq!(status, 200);
    assert!(html.contains("Team (monthly)") && html.contains("99.00 USD"), "{html}");
    assert!(html.contains("value=\"4242 4242 4242 4242\""), "{html}");
    assert!(html.contains("4000 0000 0000 9995") && html.contains("href=\"https://app.example/cancelled\""), "{html}");
}

#[tokio::test]
async fn paying_with_4242_completes_the_session_and_redirects_to_the_success_url() {
    let (sim, client) = start();
    let (id, url) = session(&client).await;

    let (status, location, _) = submit(&url, &[("card", "4242 4242 4242 4242")]).await;
    let info = client.retrieve_checkout_session(&id).await.unwrap();
    let (again, _) = open(&url).await;

    assert_eq!(status, 303);
    assert_eq!(location, Some(format!("https://app.example/return?session_id={id}")));
    assert!(info.complete && info.paid && info.subscription.is_some());
    assert_eq!(types(&common::world::events(&sim).await)[1..], common::COMPLETION[1..]);
    assert_eq!(again, 410, "a complete session's page no longer takes payments");
}

#[tokio::test]
async fn a_declined_card_shows_its_message_and_leaves_the_session_open() {
    let (sim, client) = start();
    let (id, url) = session(&client).await;

    let (status, location, html) = submit(&url, &[("card", "4000 0000 0000 9995")]).await;
    let info = client.retrieve_checkout_session(&id).await.unwrap();

    assert_eq!((status, location), (402, None));
    assert!(html.contains("Your card has insufficient funds.") && html.contains("value=\"4000 0000 0000 9995\""), "{html}");
    assert!(!info.complete && info.subscription.is_none());
    assert_eq!(types(&common::world::events(&sim).await), ["customer.created"]);
}

#[tokio::test]
async fn what_the_pages_show_is_escaped() {
    let (sim, client) = start();
    let (_, customer) = post(&sim, "/v1/customers", &[("email", "<script>alert(1)</script>@acme.test")], None).await;
    let customer_id = customer["id"].as_str().unwrap().parse().unwrap();
    let session = client.create_checkout_session(&checkout_request(&customer_id, "price_team_monthly"), &key("checkout")).await.unwrap();

    let (_, html) = open(&session.url).await;

    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;@acme.test"), "{html}");
}

/// A portal session of `sub`'s customer: its `url`.
async fn portal(client: &StripeClient, sub: &Value) -> String {
    let customer = sub["customer"].as_str().unwrap().parse().unwrap();
    client.create_portal_session(&customer, "https://app.example/billing", &key("portal")).await.unwrap().url
}

#[tokio::test]
async fn the_portal_cancels_at_period_end_as_the_api_does_and_renews() {
    let (sim, client) = start();
    let (sub, before) = subscribed(&sim, &client, "4242424242424242").await;
    let url = portal(&client, &sub).await;
    let id = sub["id"].as_str().unwrap();

    let (shown, html) = open(&url).await;
    let (status, location, _) = submit(&format!("{url}/cancel"), &[("subscription", id), ("cancel", "true")]).await;
    let canceling = reread(&sim, &sub).await;
    let (_, after_cancel) = open(&url).await;
    submit(&format!("{url}/cancel"), &[("subscription", id), ("cancel", "false")]).await;
    let events = events_since(&sim, before).await;

    assert_eq!(shown, 200);
    assert!(html.contains("Team (monthly)") && html.contains("Status: active") && html.contains("href=\"https://app.example/billing\""));
    assert_eq!((status, location.as_deref()), (303, url.strip_prefix(&sim.base_url)));
    assert_eq!(canceling["cancel_at_period_end"], true);
    assert!(after_cancel.contains("Renew"), "{after_cancel}");
    assert_eq!(types(&events), ["customer.subscription.updated", "customer.subscription.updated"]);
    assert_eq!(events[0]["data"]["previous_attributes"]["cancel_at_period_end"], false);
    assert_eq!(events[1]["data"]["object"]["cancel_at_period_end"], false);
}

#[tokio::test]
async fn the_portal_switches_the_card_and_pays_an_open_invoice() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;
    advance(&sim, RENEWAL).await;
    let invoice = reread(&sim, &sub).await["latest_invoice"].as_str().unwrap().to_owned();
    let url = portal(&client, &sub).await;

    let (declined, _, message) = submit(&format!("{url}/pay"), &[("invoice", &invoice)]).await;
    let (switched, _, _) = submit(&format!("{url}/card"), &[("card", "4242424242424242")]).await;
    let (paid, _, _) = submit(&format!("{url}/pay"), &[("invoice", &invoice)]).await;

    assert_eq!(declined, 402);
    assert!(message.contains("Your card was declined."), "{message}");
    assert_eq!((switched, paid), (303, 303));
    assert_eq!(get(&sim, &format!("/v1/invoices/{invoice}")).await.1["status"], "paid");
    assert_eq!(reread(&sim, &sub).await["status"], "active");
}

#[tokio::test]
async fn the_hosted_invoice_page_shows_an_open_invoice_and_pays_it() {
    let (sim, client) = start();
    let (sub, _) = subscribed(&sim, &client, "4242424242424242").await;
    set_card(&sim, &sub["customer"], "4000000000000341").await;
    advance(&sim, RENEWAL).await;
    let invoice = get(&sim, &format!("/v1/invoices/{}", reread(&sim, &sub).await["latest_invoice"].as_str().unwrap())).await.1;
    let url = invoice["hosted_invoice_url"].as_str().unwrap();
    set_card(&sim, &sub["customer"], "4242424242424242").await;
    let before = common::world::events(&sim).await.len();

    let (shown, html) = open(url).await;
    let (status, location, _) = submit(&format!("{url}/pay"), &[]).await;
    let (_, after) = open(url).await;

    assert_eq!(shown, 200);
    assert!(html.contains("99.00 USD") && html.contains("Status: open") && html.contains(">Pay<"), "{html}");
    assert_eq!((status, location.as_deref()), (303, url.strip_prefix(&sim.base_url)));
    assert!(after.contains("Status: paid") && !after.contains(">Pay<"), "{after}");
    assert_eq!(types(&events_since(&sim, before).await), ["invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"]);
}
