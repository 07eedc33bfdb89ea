//! Who sees what: members read without buttons; a forged or long-expired token shows the
//! expired state; a token just expired is refreshed without the user noticing.

use billing_server::auth::Role;

use crate::browser::Browser;
use crate::demo;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_sees_the_plans_and_billing_without_any_button_that_changes_them() {
    let demo = demo::start().await;
    demo.buy("team").await;
    let member = demo.token(Role::Member, 3600, 0);
    let browser = Browser::start("member").await;

    browser.open(&demo.page("/pricing", &member)).await;
    browser.shows("article.plan[data-plan=\"team\"]", "Current Plan").await;
    browser.shows("#member-note", "Only the owners and admins").await;
    assert_eq!(browser.count_shown("article.plan button").await, 0, "no plan button for members");
    browser.screenshot("pricing").await;

    browser.click("nav a[href=\"/billing\"]").await;
    browser.shows("#status-badge", "Active").await;
    browser.shows("#member-note", "Only the owners and admins").await;
    // The invoices' "Try again" is the only button a member may get, when Stripe's list fails.
    assert_eq!(browser.count_shown("main button:not(#invoices *)").await, 0, "no billing button for members");
    browser.shown("#invoices").await;
    browser.screenshot("billing").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_expired_token_shows_the_expired_state_with_the_way_back() {
    let demo = demo::start().await;
    // Expired longer ago than the refresh window: refreshing is refused too.
    let stale = demo.token(Role::Owner, -7200, 9000);
    for (name, token) in [("forged", demo.forged_token()), ("expired", stale)] {
        let browser = Browser::start(if name == "forged" { "forged-token" } else { "expired-token" }).await;
        browser.open(&demo.page("/billing", &token)).await;
        browser.shows("#expired", "Your session has expired").await;
        let back = browser.shown("#expired a.button").await;
        let home = format!("{}/billing", demo.address);
        assert_eq!(back.attr("href").await.unwrap(), Some(home), "{name}: without APP_BASE_URL the demo leads to its billing page");
        assert_eq!(browser.count_shown("#content").await, 0, "{name}: nothing of the page shows");
        browser.screenshot("billing").await;
        browser.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_just_expired_is_refreshed_and_the_page_loads() {
    let demo = demo::start().await;
    let browser = Browser::start("refreshed-token").await;
    browser.open(&demo.page("/billing", &demo.token(Role::Owner, -60, 600))).await;
    browser.shows("#status-badge", "No subscription").await;
    browser.shows("#invoices", "No invoices yet").await;
    let kept: String =
        browser.client.execute("return sessionStorage.getItem('billing.token')", vec![]).await.unwrap().as_str().unwrap().to_owned();
    assert_eq!(demo.api_with(&kept, "/api/billing/subscription").await, 200, "the page keeps the refreshed token");
    browser.finish().await;
}
