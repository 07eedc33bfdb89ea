//! What every page shares: the document head, the header, the loading, error and
//! session-expired states, and the toast region.

use maud::{html, Markup, DOCTYPE};

use super::{assets, PageSettings, BILLING_PATH, PRICING_PATH};

/// Which page is shown, for the navigation's `aria-current`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Current {
    Billing,
    Pricing,
}

/// A whole page around `content`, running `script` after the shared one.
pub(super) fn page(settings: &PageSettings, title: &str, current: Current, script: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                link rel="stylesheet" href=(assets::url("pages.css"));
                script src=(assets::url("common.js")) defer {}
                script src=(assets::url(script)) defer {}
            }
            body {
                a.skip-link href="#main" { "Skip to content" }
                (header(settings, current))
                main #main tabindex="-1" {
                    p #loading .loading role="status" { "Loading…" }
                    (expired(settings))
                    (failure())
                    (content)
                }
                div #toasts .toasts role="status" aria-live="polite" {}
            }
        }
    }
}

fn header(settings: &PageSettings, current: Current) -> Markup {
    let here = |page: Current| (page == current).then_some("page");
    html! {
        header.topbar {
            nav aria-label="Billing pages" {
                a href=(PRICING_PATH) aria-current=[here(Current::Pricing)] { "Plans" }
                a href=(BILLING_PATH) aria-current=[here(Current::Billing)] { "Billing" }
            }
            a.back href=(settings.app_url) target="_top" { "Back to the app" }
        }
    }
}

/// Shown instead of the page when the token is missing, forged or expired beyond refreshing.
fn expired(settings: &PageSettings) -> Markup {
    html! {
        section #expired .card.state hidden aria-labelledby="expired-title" {
            h1 #expired-title tabindex="-1" { "Your session has expired" }
            p { "For your security, billing pages open only for a short time. Return to the app and open billing again." }
            a.button href=(settings.app_url) target="_top" { "Return to the app" }
        }
    }
}

/// Shown instead of the page when it could not be loaded at all.
fn failure() -> Markup {
    html! {
        section #failure .card.state hidden aria-labelledby="failure-title" {
            h1 #failure-title tabindex="-1" { "This page could not be loaded" }
            p #failure-message role="alert" {}
            button #failure-retry type="button" { "Try again" }
        }
    }
}
