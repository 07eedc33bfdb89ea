//! The hosted Checkout page at a session's `url`: the plan and its amount, a card field
//! prefilled with 4242 and the test cards; paying completes the session as the test helper does
//! and sends the customer to the success URL, a decline shows the card's message.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::HttpResponse;
use serde::Deserialize;

use super::html::{banner, date, esc, money, page, see_other};
use super::{error_page, form, with_state, Step};
use crate::billing_cycle::checkout::{card, complete, redirect_url, TEST_CARDS};
use crate::billing_cycle::trial::end_for as trial_end_for;
use crate::server::Sim;
use crate::state::{CheckoutSession, SessionStatus, State};

const PREFILLED: &str = "4242 4242 4242 4242";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/c/pay/{id}", web::get().to(show)).route("/c/pay/{id}", web::post().to(pay));
}

/// The session while it can still be paid; otherwise the page saying why not.
fn open_session(state: &State, id: &str, now: i64) -> Step<CheckoutSession> {
    let session =
        state.sessions.get(id).ok_or_else(|| Box::new(super::html::message_page(404, "Not found", "No such checkout session.")))?;
    if session.status != SessionStatus::Open || session.expires_at <= now {
        let why = if session.status == SessionStatus::Complete {
            "This checkout session is complete."
        } else {
            "This checkout session has expired."
        };
        return Err(Box::new(super::html::message_page(410, "Checkout closed", why)));
    }
    Ok(session.clone())
}

/// The payment form, with the card typed last time and the decline it met, if any.
fn form_page(state: &State, session: &CheckoutSession, now: i64, status: u16, typed: &str, error: Option<&str>) -> HttpResponse {
    let Some(price) = state.price(&session.price) else {
        return super::html::message_page(500, "Simulator fault", "The session's price vanished.");
    };
    let email = state.customers.get(&session.customer).and_then(|customer| customer.email.clone()).unwrap_or_default();
    let cards: String = TEST_CARDS
        .iter()
        .map(|(number, outcome)| format!("<tr><td><code>{}</code></td><td>{}</td></tr>", esc(number), esc(outcome)))
        .collect();
    let cancel =
        session.cancel_url.as_ref().map(|url| format!("<p><a href=\"{}\">Cancel and go back</a></p>", esc(url))).unwrap_or_default();
    let body = format!(
        "<h1>Subscribe to {plan}</h1>{trial}<p class=\"amount\">{amount}</p><p class=\"muted\">per month · {email}</p>{banner}\
<form method=\"post\" action=\"/c/pay/{id}\"><label for=\"card\">Card number</label>\
<input id=\"card\" name=\"card\" value=\"{typed}\" autocomplete=\"off\"><p><button type=\"submit\">Pay</button></p></form>{cancel}\
<div class=\"card\"><strong>Test cards</strong><table>{cards}</table></div>",
        plan = esc(&price.nickname),
        trial = trial_end_for(session, now).map(|end| format!("<p>Free trial until {}, then</p>", esc(date(end)))).unwrap_or_default(),
        amount = esc(money(price.unit_amount, &price.currency)),
        email = esc(email),
        banner = banner(error),
        id = esc(&session.id),
        typed = esc(typed),
    );
    page(status, &format!("Subscribe to {}", price.nickname), &body)
}

async fn show(id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    with_state(&sim, |state, ctx| match open_session(state, &id, ctx.now) {
        Ok(session) => form_page(state, &session, ctx.now, 200, PREFILLED, None),
        Err(closed) => *closed,
    })
}

#[derive(Debug, Deserialize)]
struct PayForm {
    card: Option<String>,
}

/// Pays with the card typed: the session completes as the test helper completes it, or the page
/// comes back with the decline and the session stays open.
async fn pay(id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    with_state(&sim, |state, ctx| {
        let typed: PayForm = match form(&body) {
            Ok(typed) => typed,
            Err(bad) => return *bad,
        };
        let session = match open_session(state, &id, ctx.now) {
            Ok(session) => session,
            Err(closed) => return *closed,
        };
        let number = typed.card.unwrap_or_default();
        let outcome = match card(Some(&number)) {
            Ok(outcome) => outcome,
            Err(declined) => return form_page(state, &session, ctx.now, declined.status, &number, Some(&declined.message)),
        };
        match complete(state, ctx.now, &id, outcome) {
            Ok(done) => see_other(&redirect_url(&done)),
            Err(error) => error_page("Checkout failed", &error),
        }
    })
}
