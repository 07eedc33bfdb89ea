//! The hosted billing portal at a portal session's `url`: the customer's subscriptions with
//! buttons to cancel at period end or renew, the saved card with buttons to switch it, open
//! invoices with a Pay button, and a "Return" link. Each button goes through the function the
//! API uses for the same change.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::HttpResponse;
use serde::Deserialize;

use super::html::{banner, button, card_label, date, esc, money, page, see_other};
use super::{error_page, form, with_state, Step};
use crate::billing_cycle::charge;
use crate::render::invoice_status;
use crate::routes::subscriptions::set_cancel_at_period_end;
use crate::routes::test_clocks::save_card;
use crate::routes::Ctx;
use crate::server::Sim;
use crate::state::{InvoiceStatus, PortalSession, State, SubStatus, Subscription};

/// The cards the portal offers to save.
const CARDS: [(&str, &str); 3] = [
    ("4242424242424242", "Use 4242 (succeeds)"),
    ("4000000000000341", "Use 0341 (charges fail)"),
    ("4000002760003184", "Use 3184 (needs authentication)"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/p/session/{id}", web::get().to(show))
        .route("/p/session/{id}/cancel", web::post().to(cancel))
        .route("/p/session/{id}/card", web::post().to(switch_card))
        .route("/p/session/{id}/pay", web::post().to(pay));
}

fn portal_session(state: &State, id: &str) -> Step<PortalSession> {
    state
        .portal_sessions
        .get(id)
        .cloned()
        .ok_or_else(|| Box::new(super::html::message_page(404, "Not found", "No such billing portal session.")))
}

fn status_label(sub: &Subscription) -> &'static str {
    match sub.status {
        SubStatus::Incomplete => "incomplete",
        SubStatus::Trialing => "trialing",
        SubStatus::Active if sub.cancel_at_period_end => "active, ends at period end",
        SubStatus::Active => "active",
        SubStatus::PastDue => "past due",
        SubStatus::Unpaid => "unpaid",
        SubStatus::Canceled => "canceled",
    }
}

fn subscription_block(state: &State, session: &PortalSession, sub: &Subscription) -> String {
    let (plan, amount) = state
        .price(&sub.price)
        .map_or_else(|| (sub.price.clone(), String::new()), |price| (price.nickname.clone(), money(price.unit_amount, &price.currency)));
    let action = format!("/p/session/{}/cancel", session.id);
    let (period, toggle) = match (sub.status, sub.cancel_at_period_end) {
        (SubStatus::Canceled, _) => (format!("Ended {}", date(sub.ended_at.unwrap_or(sub.period_end))), String::new()),
        (_, true) => {
            (format!("Ends {}", date(sub.period_end)), button(&action, &[("subscription", &sub.id), ("cancel", "false")], "Renew"))
        }
        (_, false) => (
            format!("Renews {}", date(sub.period_end)),
            button(&action, &[("subscription", &sub.id), ("cancel", "true")], "Cancel at period end"),
        ),
    };
    format!(
        "<div class=\"card\"><strong>{}</strong> · {} per month<br><span class=\"muted\">Status: {} · {}</span><br>{toggle}</div>",
        esc(plan),
        esc(amount),
        esc(status_label(sub)),
        esc(period),
    )
}

/// The whole portal of the session's customer, newest subscriptions and invoices first.
fn portal_page(state: &State, session: &PortalSession, status: u16, error: Option<&str>) -> HttpResponse {
    let mut subs: Vec<&Subscription> = state.subscriptions.values().filter(|sub| sub.customer == session.customer).collect();
    subs.sort_by_key(|sub| std::cmp::Reverse(sub.created));
    let mut open: Vec<_> = state.invoices.values().filter(|i| i.customer == session.customer && i.status == InvoiceStatus::Open).collect();
    open.sort_by_key(|invoice| std::cmp::Reverse(invoice.seq));
    let card = state.customers.get(&session.customer).and_then(|customer| customer.card);
    let subscriptions: String = subs.iter().map(|sub| subscription_block(state, session, sub)).collect();
    let card_action = format!("/p/session/{}/card", session.id);
    let cards: String = CARDS.iter().map(|(number, label)| button(&card_action, &[("card", number)], label)).collect();
    let pay_action = format!("/p/session/{}/pay", session.id);
    let invoices: String = open
        .iter()
        .map(|invoice| {
            let pay = button(&pay_action, &[("invoice", &invoice.id)], "Pay");
            let line = format!("{} · {}", money(invoice.amount_due(), &invoice.currency), invoice_status(invoice.status));
            format!("<div class=\"card\">Invoice <code>{}</code> · {}<br>{pay}</div>", esc(&invoice.id), esc(line))
        })
        .collect();
    let back = session.return_url.as_ref().map(|url| format!("<p><a href=\"{}\">Return</a></p>", esc(url))).unwrap_or_default();
    let body = format!(
        "<h1>Billing</h1>{}<h2>Subscriptions</h2>{}<h2>Payment method</h2><p>{}</p><p>{cards}</p><h2>Open invoices</h2>{}{back}",
        banner(error),
        if subscriptions.is_empty() { "<p class=\"muted\">None.</p>".to_owned() } else { subscriptions },
        esc(card_label(card)),
        if invoices.is_empty() { "<p class=\"muted\">None.</p>".to_owned() } else { invoices },
    );
    page(status, "Billing", &body)
}

async fn show(id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    with_state(&sim, |state, _| match portal_session(state, &id) {
        Ok(session) => portal_page(state, &session, 200, None),
        Err(missing) => *missing,
    })
}

/// Runs a button's change for the session's customer: back to the portal when it worked, the
/// portal with the error otherwise.
fn act<F>(sim: &Sim, id: &str, body: &[u8], change: F) -> HttpResponse
where
    F: FnOnce(&mut State, &Ctx, &PortalSession, &[u8]) -> Step<()>,
{
    with_state(sim, |state, ctx| {
        let session = match portal_session(state, id) {
            Ok(session) => session,
            Err(missing) => return *missing,
        };
        match change(state, ctx, &session, body) {
            Ok(()) => see_other(&format!("/p/session/{}", session.id)),
            Err(answer) => *answer,
        }
    })
}

/// The page of a change that failed: the portal with the error's message and status.
fn failed(state: &State, session: &PortalSession, error: &crate::error::ApiError) -> Box<HttpResponse> {
    Box::new(portal_page(state, session, error.status, Some(&error.message)))
}

#[derive(Debug, Deserialize)]
struct CancelForm {
    subscription: String,
    cancel: bool,
}

async fn cancel(id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    act(&sim, &id, &body, |state, ctx, session, body| {
        let asked: CancelForm = form(body)?;
        if state.subscriptions.get(&asked.subscription).is_none_or(|sub| sub.customer != session.customer) {
            return Err(Box::new(super::html::message_page(404, "Not found", "No such subscription for this customer.")));
        }
        set_cancel_at_period_end(state, ctx, &asked.subscription, asked.cancel).map(|_| ()).map_err(|error| failed(state, session, &error))
    })
}

#[derive(Debug, Deserialize)]
struct CardForm {
    card: String,
}

async fn switch_card(id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    act(&sim, &id, &body, |state, _, session, body| {
        let asked: CardForm = form(body)?;
        save_card(state, &session.customer, &asked.card).map(|_| ()).map_err(|error| failed(state, session, &error))
    })
}

#[derive(Debug, Deserialize)]
struct PayForm {
    invoice: String,
}

async fn pay(id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    act(&sim, &id, &body, |state, ctx, session, body| {
        let asked: PayForm = form(body)?;
        if state.invoices.get(&asked.invoice).is_none_or(|invoice| invoice.customer != session.customer) {
            return Err(Box::new(error_page("Not found", &crate::error::ApiError::missing("invoice", "invoice", &asked.invoice))));
        }
        charge::pay(state, &ctx.cause, &asked.invoice, ctx.now).map(|_| ()).map_err(|error| failed(state, session, &error))
    })
}
