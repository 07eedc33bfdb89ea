//! The billing page's states: a failed renewal's past-due banner, and cancelling, which needs
//! the typed word, then reactivating.

use fantoccini::Locator;

use crate::browser::Browser;
use crate::demo::{self, dollars};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_renewal_shows_the_past_due_banner_with_its_amount_deadline_and_actions() {
    let demo = demo::start().await;
    let customer = demo.buy("team").await;
    demo.switch_card(&customer, "4000000000000341").await;
    demo.advance_days(31).await;
    let due = demo.subscription_when("past due", |s| s["status"] == "past_due" && !s["failed_payment"].is_null()).await;
    let amount = due["failed_payment"]["amount"].as_i64().unwrap();
    let browser = Browser::start("past-due").await;

    browser.open(&demo.page("/billing", &demo.owner_token)).await;

    let banner = browser.shows(".banner.danger[data-kind=\"payment_failed\"]", "Payment failed").await;
    let text = banner.text().await.unwrap();
    assert!(text.contains(&format!("Your payment of {} could not be processed", dollars(amount))), "{text}");
    let deadline = chrono::DateTime::parse_from_rfc3339(due["grace_until"].as_str().unwrap()).unwrap();
    assert!(text.contains(&deadline.format("%B %-d, %Y").to_string()), "the deadline is shown: {text}");
    let invoice = banner.find(Locator::LinkText("View invoice")).await.unwrap();
    assert_eq!(invoice.attr("href").await.unwrap().as_deref(), due["failed_payment"]["hosted_invoice_url"].as_str());
    assert_eq!(invoice.attr("target").await.unwrap().as_deref(), Some("_blank"));
    banner.find(Locator::XPath(".//button[normalize-space()='Update payment']")).await.unwrap();
    browser.shows("#status-badge", "Past due").await;
    browser.screenshot("billing").await;

    browser.resize(390, 1400).await;
    browser.shows(".banner.danger", "Payment failed").await;
    browser.screenshot("billing-phone").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_needs_the_typed_word_then_shows_the_end_date_with_reactivate() {
    let demo = demo::start().await;
    demo.buy("team").await;
    let browser = Browser::start("cancel").await;
    browser.open(&demo.page("/billing", &demo.owner_token)).await;
    browser.shows("#status-badge", "Active").await;
    browser.screenshot("billing-active").await;

    browser.click("#cancel-open").await;
    let submit = browser.shown("#cancel-submit").await;
    let confirm = browser.shown("#cancel-confirm").await;
    assert!(!submit.is_enabled().await.unwrap(), "nothing typed yet");
    assert_eq!(
        browser.client.active_element().await.unwrap().attr("id").await.unwrap().as_deref(),
        Some("cancel-confirm"),
        "focus is in the dialog"
    );
    confirm.send_keys("cancel").await.unwrap();
    assert!(!submit.is_enabled().await.unwrap(), "the word must be typed as shown");
    confirm.clear().await.unwrap();
    confirm.send_keys("CANCEL").await.unwrap();
    assert!(submit.is_enabled().await.unwrap());
    browser.screenshot("dialog").await;
    submit.click().await.unwrap();

    let banner = browser.shows(".banner[data-kind=\"ends_on\"]", "Your subscription ends on").await;
    let ending = demo.subscription_when("canceling", |s| s["cancel_at_period_end"] == true).await;
    let end = chrono::DateTime::parse_from_rfc3339(ending["current_period_end"].as_str().unwrap()).unwrap();
    assert!(banner.text().await.unwrap().contains(&end.format("%B %-d, %Y").to_string()));
    browser.shows("#period-label", "Ends on").await;
    assert_eq!(browser.count_shown("#cancel-open").await, 0, "nothing left to cancel");
    browser.screenshot("billing-ending").await;

    banner.find(Locator::XPath(".//button[normalize-space()='Reactivate']")).await.unwrap().click().await.unwrap();
    browser.shows("#toasts .toast.success", "Your subscription continues").await;
    browser.until("the banner gone", || async { (browser.count_shown(".banner[data-kind=\"ends_on\"]").await == 0).then_some(()) }).await;
    demo.subscription_when("renewing again", |s| s["cancel_at_period_end"] == false).await;
    browser.finish().await;
}
