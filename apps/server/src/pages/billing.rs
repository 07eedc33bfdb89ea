//! The billing page: the subscription and its status, banners, invoices and the cancel dialog.

use maud::{html, Markup};

use super::layout::{page, Current};
use super::{PageSettings, PRICING_PATH};

pub(super) fn render(settings: &PageSettings) -> Markup {
    let content = html! {
        div #content hidden {
            h1 { "Billing" }
            div #banners .banners {}
            (subscription())
            (invoices())
        }
        (cancel_dialog())
    };
    page(settings, "Billing", Current::Billing, "billing.js", content)
}

fn subscription() -> Markup {
    html! {
        section.card aria-labelledby="subscription-title" {
            h2 #subscription-title tabindex="-1" { "Subscription" }
            dl.summary {
                div { dt { "Plan" } dd #plan-name {} }
                div { dt { "Status" } dd { span #status-badge .badge {} } }
                div #period-row hidden { dt #period-label { "Renews on" } dd #period-end {} }
                div #price-row hidden { dt { "Price" } dd #plan-price {} }
            }
            div #owner-actions .actions hidden {
                button #manage type="button" { "Manage payment details" }
                a.button.secondary href=(PRICING_PATH) { "Change plan" }
                button #cancel-open .danger-outline type="button" hidden { "Cancel subscription" }
            }
            p #member-note .note hidden { "Only the owners and admins of your organization can change billing." }
        }
    }
}

fn invoices() -> Markup {
    html! {
        section.card aria-labelledby="invoices-title" {
            h2 #invoices-title { "Invoices" }
            div #invoices aria-live="polite" { p.note { "Loading invoices…" } }
        }
    }
}

/// Cancelling needs the word CANCEL typed, so it cannot happen by a stray click.
fn cancel_dialog() -> Markup {
    html! {
        dialog #cancel-dialog aria-labelledby="cancel-title" aria-describedby="cancel-description" {
            h2 #cancel-title { "Cancel your subscription?" }
            p #cancel-description {
                "Your plan stays active until the end of the current billing period"
                span #cancel-until {} ". After that your organization moves to the free plan and its limits."
            }
            label for="cancel-confirm" { "Type " strong { "CANCEL" } " to confirm" }
            input #cancel-confirm type="text" autocomplete="off" autocapitalize="characters" spellcheck="false";
            p #cancel-error .inline-error role="alert" hidden {}
            div.dialog-actions {
                button #cancel-keep .secondary type="button" { "Keep my subscription" }
                button #cancel-submit .danger type="button" disabled { "Cancel subscription" }
            }
        }
    }
}
