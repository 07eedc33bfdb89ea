//! Buying a plan from the pricing page: Checkout at the top level, the return to the billing
//! page with its toast, and the badge moving to the new plan.

use crate::browser::Browser;
use crate::demo;

const CURRENT: &str = ".current-badge";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribing_goes_to_checkout_and_returns_to_a_success_toast_and_the_new_current_plan() {
    let demo = demo::start().await;
    let browser = Browser::start("subscribe").await;

    browser.open(&demo.page("/pricing", &demo.owner_token)).await;
    browser.shows("article.plan[data-plan=\"free\"]", "Current Plan").await;
    assert_eq!(browser.url().await.fragment(), None, "the token leaves the address bar at once");
    browser.screenshot("pricing-free").await;

    browser.click("article.plan[data-plan=\"team\"] button[data-action=\"checkout\"]").await;
    let checkout =
        browser.until("the Checkout page", || async { Some(browser.url().await).filter(|u| u.as_str().starts_with(&demo.sim)) }).await;
    let session = checkout.path_segments().and_then(|mut s| s.next_back()).unwrap().to_owned();
    assert!(checkout.path().starts_with("/c/pay/cs_test_"), "{checkout}");

    // Pay on the simulator's hosted Checkout page, whose card field holds 4242 4242 4242 4242.
    browser.shows("form[action=\"/c/pay/SESSION\"] label".replace("SESSION", &session).as_str(), "Card number").await;
    browser.click("form[action^=\"/c/pay/\"] button[type=\"submit\"]").await;
    let back = browser
        .until("the return to our server", || async { Some(browser.url().await).filter(|u| u.as_str().starts_with(&demo.address)) })
        .await;
    assert_eq!(back.path(), "/billing", "Checkout returns to the billing page");
    browser.shows("#toasts .toast.success", "Payment successful").await;
    browser.shows("#status-badge", "Active").await;
    browser.shows("#plan-name", "Team").await;
    assert_eq!(browser.url().await.query(), None, "the session id leaves the address bar once verified");
    browser.screenshot("billing-after-checkout").await;

    // The token the pricing page took is still this tab's, so the pages link to each other.
    browser.click("nav a[href=\"/pricing\"]").await;
    browser.shows("article.plan[data-plan=\"team\"]", "Current Plan").await;
    let free = browser.client.find(fantoccini::Locator::Css("article.plan[data-plan=\"free\"]")).await.unwrap();
    assert!(free.find(fantoccini::Locator::Css(CURRENT)).await.is_err(), "the badge moved off the free plan");
    browser.shows("article.plan[data-plan=\"team\"] button[data-action=\"manage\"]", "Manage subscription").await;
    browser.screenshot("pricing-team").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_subscribe_while_a_checkout_is_open_offers_that_checkout() {
    let demo = demo::start().await;
    let (status, first) = demo.api(reqwest::Method::POST, "/api/billing/checkout", Some(serde_json::json!({"plan": "team"}))).await;
    assert_eq!(status, 200, "{first}");
    let browser = Browser::start("checkout-open").await;

    browser.open(&demo.page("/pricing", &demo.owner_token)).await;
    browser.click("article.plan[data-plan=\"team\"] button[data-action=\"checkout\"]").await;

    let resume = browser.shows("#checkout-dialog", "A checkout is already open").await;
    let link = resume.find(fantoccini::Locator::Css("#checkout-resume")).await.unwrap();
    assert_eq!(link.attr("href").await.unwrap().as_deref(), first["checkout_url"].as_str());
    browser.screenshot("dialog").await;
    link.click().await.unwrap();
    let open = first["checkout_url"].as_str().unwrap().to_owned();
    browser.until("the open Checkout page", || async { (browser.url().await.as_str() == open).then_some(()) }).await;
    browser.finish().await;
}
