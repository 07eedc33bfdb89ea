//! The pricing page: every plan with its price and limits, and the dialogs to change plan or
//! resume an open checkout.

use maud::{html, Markup};

use super::layout::{page, Current};
use super::PageSettings;

pub(super) fn render(settings: &PageSettings) -> Markup {
    let content = html! {
        div #content hidden {
            h1 { "Plans" }
            p #current-summary .lead {}
            p #member-note .note hidden { "Only the owners and admins of your organization can change the plan." }
            div #plans .plans {}
        }
        (change_dialog())
        (checkout_dialog())
    };
    page(settings, "Plans and pricing", Current::Pricing, "pricing.js", content)
}

/// Shows what a plan change costs, from the API's quote, before it is made.
fn change_dialog() -> Markup {
    html! {
        dialog #change-dialog aria-labelledby="change-title" aria-describedby="change-explanation" {
            h2 #change-title tabindex="-1" {}
            p #change-explanation {}
            dl.summary {
                div { dt { "Charged now" } dd #change-now {} }
                div { dt #change-when-label { "Takes effect" } dd #change-when {} }
                div { dt { "Then each month" } dd #change-next {} }
            }
            p #change-error .inline-error role="alert" hidden {}
            div.dialog-actions {
                button #change-close .secondary type="button" { "Keep my current plan" }
                button #change-confirm type="button" {}
            }
        }
    }
}

/// EC-18: a checkout opened minutes ago is offered again instead of a second one.
fn checkout_dialog() -> Markup {
    html! {
        dialog #checkout-dialog aria-labelledby="checkout-title" aria-describedby="checkout-explanation" {
            h2 #checkout-title { "A checkout is already open" }
            p #checkout-explanation {
                "You started a checkout a few minutes ago. Continue it to finish your purchase; a second one would not be needed."
            }
            div.dialog-actions {
                button #checkout-close .secondary type="button" { "Close" }
                a #checkout-resume .button href="#" target="_top" { "Continue to checkout" }
            }
        }
    }
}
