//! Changing plan from the pricing page: an upgrade charged after the quote is shown, and a
//! downgrade scheduled for the period end, then undone with "Keep my plan". Both need the
//! simulator's prorated price changes (`proration_behavior=always_invoice`) and subscription
//! schedules.

use fantoccini::Locator;
use serde_json::json;

use crate::browser::Browser;
use crate::demo::{self, dollars};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_shows_the_prorated_charge_before_it_is_confirmed() {
    let demo = demo::start().await;
    demo.buy("solo").await;
    let browser = Browser::start("upgrade").await;
    browser.open(&demo.page("/pricing", &demo.owner_token)).await;

    browser.click("article.plan[data-plan=\"team\"] button[data-action=\"upgrade\"]").await;
    let dialog = browser.shows("#change-dialog", "Upgrade to Team").await;
    let focused = browser.client.active_element().await.unwrap().attr("id").await.unwrap();
    assert_eq!(focused.as_deref(), Some("change-title"), "focus starts on the title, not on the button that charges");
    // The same quote, asked right after the page asked for it: the proration moves by a cent
    // only every few minutes.
    let (status, quote) = demo.api(reqwest::Method::POST, "/api/billing/proration", Some(json!({"plan": "team"}))).await;
    assert_eq!(status, 200, "{quote}");
    let charged = dollars(quote["proration_amount"].as_i64().unwrap());
    browser.shows("#change-now", &charged).await;
    browser.shows("#change-next", &dollars(quote["next_invoice_amount"].as_i64().unwrap())).await;
    browser.screenshot("dialog").await;
    assert_eq!(demo.subscription().await["plan"], "solo", "nothing changes before the confirmation");

    dialog.find(Locator::Css("#change-confirm")).await.unwrap().click().await.unwrap();
    browser.shows("#toasts .toast.success", "You're now on the Team plan").await;
    browser.shows("article.plan[data-plan=\"team\"]", "Current Plan").await;
    demo.subscription_when("on team", |s| s["plan"] == "team").await;
    browser.screenshot("pricing-team").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_whose_page_then_fails_to_reload_reports_both() {
    let demo = demo::start().await;
    demo.buy("solo").await;
    let browser = Browser::start("upgrade-reload-fails").await;
    browser.open(&demo.page("/pricing", &demo.owner_token)).await;
    browser.click("article.plan[data-plan=\"team\"] button[data-action=\"upgrade\"]").await;
    browser.shows("#change-dialog", "Upgrade to Team").await;
    // From now on the organization cannot be read, so the reload after the change fails.
    let offline = "const fetchFromServer = window.fetch;
        window.fetch = (path, init) => String(path).startsWith('/api/organization')
            ? Promise.reject(new TypeError('offline'))
            : fetchFromServer(path, init);";
    browser.client.execute(offline, vec![]).await.unwrap();

    browser.click("#change-confirm").await;
    browser.shows("#toasts .toast.success", "You're now on the Team plan").await;
    browser.shows("#toasts .toast.error", "could not be reached").await;
    demo.subscription_when("on team", |s| s["plan"] == "team").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downgrade_is_scheduled_for_the_period_end_and_keep_my_plan_undoes_it() {
    let demo = demo::start().await;
    demo.buy("team").await;
    let browser = Browser::start("downgrade").await;
    browser.open(&demo.page("/pricing", &demo.owner_token)).await;

    browser.click("article.plan[data-plan=\"solo\"] button[data-action=\"downgrade\"]").await;
    let dialog = browser.shows("#change-dialog", "Downgrade to Solo").await;
    browser.shows("#change-now", &dollars(0)).await;
    dialog.find(Locator::Css("#change-confirm")).await.unwrap().click().await.unwrap();
    browser.shows("#toasts .toast.success", "Your plan changes to Solo on").await;

    browser.click("nav a[href=\"/billing\"]").await;
    let banner = browser.shows(".banner[data-kind=\"plan_changes_on\"]", "Your plan changes to Solo on").await;
    browser.screenshot("billing-scheduled").await;
    banner.find(Locator::XPath(".//button[normalize-space()='Keep my plan']")).await.unwrap().click().await.unwrap();
    browser.shows("#toasts .toast.success", "You keep the Team plan").await;
    browser
        .until("the banner gone", || async { (browser.count_shown(".banner[data-kind=\"plan_changes_on\"]").await == 0).then_some(()) })
        .await;
    demo.subscription_when("without a scheduled change", |s| s["scheduled_change"].is_null() && s["plan"] == "team").await;
    browser.finish().await;
}
