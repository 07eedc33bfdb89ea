//! The billing page with the keyboard alone: the skip link is the first Tab stop, Tab reaches
//! "Cancel subscription", Escape leaves its dialog without cancelling, and typing CANCEL then
//! Enter on the dialog's button cancels, with focus left where the person can go on from.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

use crate::browser::Browser;
use crate::demo;

/// More Tab presses than the page has stops before "Cancel subscription": the skip link, the
/// navigation, the way back to the app and the subscription's actions.
const MOST_TABS: usize = 15;

/// The ending subscription's banner.
const ENDS_ON: &str = ".banner[data-kind=\"ends_on\"]";

/// Presses and releases `keys` one after another on whatever has focus, as a keyboard does,
/// rather than sending them to an element WebDriver would focus first.
async fn press(browser: &Browser, keys: &[char]) {
    let mut keyboard = KeyActions::new("keyboard".into());
    for &value in keys {
        keyboard = keyboard.then(KeyAction::Down { value }).then(KeyAction::Up { value });
    }
    browser.client.perform_actions(keyboard).await.unwrap();
}

async fn press_key(browser: &Browser, key: Key) {
    press(browser, &[key.into()]).await;
}

/// The focused element, named by its id, or else by its text.
async fn focused(browser: &Browser) -> String {
    let element = browser.client.active_element().await.unwrap();
    match element.attr("id").await.unwrap() {
        Some(id) if !id.is_empty() => format!("#{id}"),
        _ => element.text().await.unwrap_or_default().trim().to_owned(),
    }
}

/// Presses Tab until `target` has focus; answers the stops on the way, `target` last.
async fn tab_to(browser: &Browser, target: &str) -> Vec<String> {
    let mut stops = Vec::new();
    while stops.len() < MOST_TABS {
        press_key(browser, Key::Tab).await;
        stops.push(focused(browser).await);
        if stops.last().map(String::as_str) == Some(target) {
            return stops;
        }
    }
    panic!("{target} never had focus after {MOST_TABS} Tabs; the stops were {stops:?}");
}

/// Whether the focused element is `css` or inside it.
async fn focus_within(browser: &Browser, css: &str) -> bool {
    let script = "const node = document.querySelector(arguments[0]); return !!node && node.contains(document.activeElement);";
    browser.client.execute(script, vec![Value::from(css)]).await.unwrap() == Value::Bool(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_cancels_and_reactivates_with_the_keyboard_alone_and_escape_cancels_nothing() {
    let demo = demo::start().await;
    demo.buy("team").await;
    let browser = Browser::start("keyboard").await;
    browser.open(&demo.page("/billing", &demo.owner_token)).await;
    browser.shows("#status-badge", "Active").await;

    let stops = tab_to(&browser, "#cancel-open").await;
    assert_eq!(stops[0], "Skip to content", "the skip link is the first stop: {stops:?}");
    browser.screenshot("cancel-focused").await;

    press_key(&browser, Key::Enter).await;
    browser.shown("#cancel-dialog").await;
    assert!(focus_within(&browser, "#cancel-dialog").await, "focus moves into the dialog, on {}", focused(&browser).await);
    press_key(&browser, Key::Escape).await;
    browser.until("the dialog closed", || async { (browser.count_shown("#cancel-dialog").await == 0).then_some(()) }).await;
    assert_eq!(focused(&browser).await, "#cancel-open", "Escape gives focus back to the opener");
    assert_eq!(demo.subscription().await["cancel_at_period_end"], false, "Escape cancels nothing");

    press_key(&browser, Key::Enter).await;
    browser.shown("#cancel-dialog").await;
    assert!(focus_within(&browser, "#cancel-dialog").await, "focus moves into the dialog, on {}", focused(&browser).await);
    press(&browser, &['C', 'A', 'N', 'C', 'E', 'L']).await;
    tab_to(&browser, "#cancel-submit").await;
    browser.screenshot("dialog-typed").await;
    press_key(&browser, Key::Enter).await;

    let banner = browser.shows(ENDS_ON, "Your subscription ends on").await;
    banner.find(fantoccini::Locator::XPath(".//button[normalize-space()='Reactivate']")).await.unwrap();
    demo.subscription_when("canceling", |s| s["cancel_at_period_end"] == true).await;
    // The opener is gone once nothing is left to cancel, so focus belongs on the banner that
    // says what happened, not on the document's start.
    browser.until("focus on the ending banner", || async { focus_within(&browser, ENDS_ON).await.then_some(()) }).await;
    browser.screenshot("billing-ending").await;

    // Reactivate, from the banner: its button goes away with the banner, so focus lands on the
    // subscription's heading, which now says it renews.
    tab_to(&browser, "Reactivate").await;
    press_key(&browser, Key::Enter).await;
    demo.subscription_when("renewing", |s| s["cancel_at_period_end"] == false).await;
    browser.until("no ending banner", || async { (browser.count_shown(ENDS_ON).await == 0).then_some(()) }).await;
    browser.until("focus on the subscription", || async { (focused(&browser).await == "#subscription-title").then_some(()) }).await;
    browser.finish().await;
}
