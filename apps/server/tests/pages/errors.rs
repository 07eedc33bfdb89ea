//! What the pages say when an action fails for a real cause: the plan-change limit (EC-8)
//! answered 429 with its wait, Stripe refusing connections (502) and Stripe never answering
//! (504). The message is readable, and the page that showed the action stays on screen.

use std::net::TcpListener;

use reqwest::Method;
use serde_json::json;

use crate::browser::Browser;
use crate::demo;

/// The seconds an error message asks to wait, from its "try again in N second(s)".
fn seconds_to_wait(message: &str) -> i64 {
    let (_, rest) = message.split_once("try again in ").unwrap_or_else(|| panic!("no wait named in {message:?}"));
    let (number, unit) = rest.split_once(' ').unwrap_or_else(|| panic!("no unit in {message:?}"));
    assert!(unit.starts_with("second"), "the wait is in seconds: {message:?}");
    number.parse().unwrap_or_else(|_| panic!("no number of seconds in {message:?}"))
}

/// Fails unless the page still shows its content: not the loading, failure or blank state.
async fn page_stays(browser: &Browser, path: &str) {
    browser.shown("#content").await;
    assert_eq!(browser.count_shown("#failure").await + browser.count_shown("#loading").await, 0, "{}", browser.body_text().await);
    assert_eq!(browser.url().await.path(), path, "the page did not navigate away");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixth_plan_change_in_a_minute_names_the_seconds_to_wait_and_the_plans_stay() {
    let demo = demo::start().await;
    demo.buy("team").await;
    // Each downgrade request replaces the scheduled one and counts as a change (EC-8). A 409
    // means the webhooks of the previous change were applied meanwhile: asked again, as the
    // message says, it goes through.
    for _ in 0..5 {
        let mut answer = demo.api(Method::POST, "/api/billing/plan", Some(json!({"plan": "solo"}))).await;
        for _ in 0..5 {
            if answer.0 != 409 {
                break;
            }
            answer = demo.api(Method::POST, "/api/billing/plan", Some(json!({"plan": "solo"}))).await;
        }
        assert_eq!(answer.0, 200, "{}", answer.1);
    }
    let browser = Browser::start("plan-change-limit").await;
    browser.open(&demo.page("/pricing", &demo.owner_token)).await;
    browser.click("article.plan[data-plan=\"enterprise\"] button[data-action=\"upgrade\"]").await;
    browser.shows("#change-dialog", "Upgrade to Enterprise").await;
    browser.click("#change-confirm").await;

    let shown = browser.shows("#change-error", "Too many changes").await.text().await.unwrap();
    let waited = seconds_to_wait(&shown);
    browser.screenshot("limit").await;
    // The limit, not another refusal, is what the page reported: the API still answers it, with
    // a wait no longer than the one the page named a moment ago.
    let again = demo.api_response(Method::POST, "/api/billing/plan", Some(json!({"plan": "enterprise"}))).await;
    let header = again.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<i64>().ok());
    assert_eq!(again.status().as_u16(), 429);
    assert!(header.is_some_and(|now| (1..=waited).contains(&now)) && waited <= 60, "page {waited} s, header {header:?}");

    browser.click("#change-close").await;
    browser.until("the dialog closed", || async { (browser.count_shown("#change-dialog").await == 0).then_some(()) }).await;
    page_stays(&browser, "/pricing").await;
    assert_eq!(browser.count_shown("article.plan").await, 4, "every plan is still shown");
    assert_eq!(demo.subscription().await["plan"], "team", "nothing was changed");
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_that_refuses_connections_is_reported_and_the_billing_page_stays() {
    let demo = demo::start().await;
    demo.buy("solo").await;
    let browser = Browser::start("stripe-unreachable").await;
    browser.open(&demo.page("/billing", &demo.owner_token)).await;
    browser.shown("#manage").await;
    // With the simulator stopped, every call to Stripe is refused at connect.
    demo.stripe.stop().await;

    browser.click("#manage").await;
    browser.shows("#toasts .toast.error", "The payment provider could not complete the request").await;
    browser.screenshot("portal").await;
    page_stays(&browser, "/billing").await;
    let (status, body) = demo.api(Method::GET, "/api/billing/checkout", None).await;
    assert_eq!((status, body["error"].as_str()), (502, Some("stripe_unavailable")), "{body}");
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_that_never_answers_is_reported_and_the_plans_stay() {
    // One second an attempt keeps the client's three attempts well within the page's deadline.
    let demo = demo::start_with(|settings| settings.shared.stripe_timeout_secs = 1).await;
    let browser = Browser::start("stripe-silent").await;
    browser.open(&demo.page("/pricing", &demo.owner_token)).await;
    browser.shown("article.plan[data-plan=\"team\"] button[data-action=\"checkout\"]").await;
    // The simulator's port now takes connections and never answers them.
    let port = url::Url::parse(&demo.sim).unwrap().port().unwrap();
    demo.stripe.stop().await;
    let _silent = TcpListener::bind(("127.0.0.1", port)).unwrap();

    browser.click("article.plan[data-plan=\"team\"] button[data-action=\"checkout\"]").await;
    browser.shows("#toasts .toast.error", "The payment provider took too long to answer").await;
    browser.screenshot("checkout").await;
    page_stays(&browser, "/pricing").await;
    assert_eq!(browser.count_shown("article.plan").await, 4, "every plan is still shown");
    let (status, body) = demo.api(Method::POST, "/api/billing/checkout", Some(json!({"plan": "team"}))).await;
    assert_eq!((status, body["error"].as_str()), (504, Some("stripe_timeout")), "{body}");
    browser.finish().await;
}
