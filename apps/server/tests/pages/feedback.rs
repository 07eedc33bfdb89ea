//! How the pages tell people what happened: confirmations that go by themselves, errors and
//! links that stay until closed, and addresses from the API that are never opened unless they
//! are http(s).

use fantoccini::Locator;

use crate::browser::Browser;
use crate::demo;

/// Makes every timer the page sets from now on fire at once, as if its delay had passed.
const TIME_PASSES: &str = "window.setTimeout = (run) => { run(); return 0; };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_or_a_link_toast_stays_until_closed_while_a_confirmation_goes_by_itself() {
    let demo = demo::start().await;
    let browser = Browser::start("toasts").await;
    browser.open(&demo.page("/pricing", &demo.owner_token)).await;
    browser.shown("article.plan[data-plan=\"team\"]").await;

    let script = format!(
        "{TIME_PASSES}
         Billing.toast('Saved.', 'success');
         Billing.toast('Something failed.', 'error');
         Billing.toast('Your browser blocked opening the page.', 'info', {{ href: 'https://checkout.example/c/1', target: '_top', text: 'Continue' }});"
    );
    browser.client.execute(&script, vec![]).await.unwrap();

    assert_eq!(browser.count_shown("#toasts .toast").await, 2, "only the confirmation went: {}", browser.body_text().await);
    let link = browser.shown("#toasts .toast.info a").await;
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("https://checkout.example/c/1"));
    let error = browser.shows("#toasts .toast.error", "Something failed.").await;
    browser.screenshot("kept").await;
    // The close button is named by what it shows, so speech input and screen readers agree.
    let close = error.find(Locator::XPath(".//button[normalize-space()='Close' and not(@aria-label) and not(@aria-labelledby)]")).await;
    close.expect("a Close button named by its text").click().await.unwrap();
    browser.until("the error toast closed", || async { (browser.count_shown("#toasts .toast.error").await == 0).then_some(()) }).await;
    assert_eq!(browser.count_shown("#toasts .toast").await, 1, "the link toast stays");
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_that_is_not_http_is_neither_opened_nor_linked() {
    let demo = demo::start().await;
    let browser = Browser::start("unsafe-url").await;
    browser.open(&demo.page("/pricing", &demo.owner_token)).await;
    browser.shown("article.plan[data-plan=\"team\"]").await;
    let before = browser.url().await;

    let script = "Billing.goTop('javascript:history.pushState(null, \"\", \"/opened\")', 'Continue');
         Billing.toast('Open it here.', 'info', { href: 'data:text/html,<p>hi</p>', text: 'Continue' });";
    browser.client.execute(script, vec![]).await.unwrap();

    browser.shows("#toasts .toast.error", "will not open").await;
    let offered = browser.shows("#toasts .toast.info", "Open it here.").await;
    assert!(offered.find(Locator::Css("a")).await.is_err(), "no link to a data: URL");
    assert_eq!(browser.url().await, before, "nothing was opened");
    browser.finish().await;
}
