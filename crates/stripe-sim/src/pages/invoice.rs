//! The hosted invoice page at an invoice's `hosted_invoice_url`: its amount, status and lines,
//! and a Pay button for an open invoice that charges the saved card as
//! `POST /v1/invoices/{id}/pay` does.

use actix_web::web::{self, Data, Path};
use actix_web::HttpResponse;

use super::html::{banner, button, card_label, date, esc, money, page, see_other};
use super::with_state;
use crate::billing_cycle::charge;
use crate::render::invoice_status;
use crate::server::Sim;
use crate::state::{Invoice, InvoiceStatus, State};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/i/{id}", web::get().to(show)).route("/i/{id}/pay", web::post().to(pay));
}

fn invoice_page(state: &State, invoice: &Invoice, status: u16, error: Option<&str>) -> HttpResponse {
    let lines: String = invoice
        .lines
        .iter()
        .map(|line| {
            let what = if line.proration { "Proration" } else { "Subscription" };
            let plan = state.price(&line.price).map_or(line.price.as_str(), |price| price.nickname.as_str());
            let period = format!("{} to {}", date(line.period_start), date(line.period_end));
            format!(
                "<tr><td>{} · {}<br><span class=\"muted\">{}</span></td><td>{}</td></tr>",
                esc(what),
                esc(plan),
                esc(period),
                esc(money(line.amount, &invoice.currency))
            )
        })
        .collect();
    let card = state.customers.get(&invoice.customer).and_then(|customer| customer.card);
    let pay = if invoice.status == InvoiceStatus::Open {
        format!("<p>Pays with the saved card: {}</p>{}", esc(card_label(card)), button(&format!("/i/{}/pay", invoice.id), &[], "Pay"))
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Invoice <code>{}</code></h1><p class=\"amount\">{}</p><p class=\"muted\">Status: {} · created {}</p>{}\
<table>{lines}</table>{pay}",
        esc(&invoice.id),
        esc(money(invoice.amount_due(), &invoice.currency)),
        esc(invoice_status(invoice.status)),
        esc(date(invoice.created)),
        banner(error),
    );
    page(status, &format!("Invoice {}", invoice.id), &body)
}

async fn show(id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    with_state(&sim, |state, _| match state.invoices.get(id.as_str()) {
        Some(invoice) => invoice_page(state, invoice, 200, None),
        None => super::html::message_page(404, "Not found", "No such invoice."),
    })
}

/// Pays the invoice by the saved card: back to the page, now paid, or the page with the card's
/// message.
async fn pay(id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    with_state(&sim, |state, ctx| match charge::pay(state, &ctx.cause, &id, ctx.now) {
        Ok(paid) => see_other(&format!("/i/{}", paid.id)),
        Err(error) => match state.invoices.get(id.as_str()) {
            Some(invoice) => invoice_page(state, invoice, error.status, Some(&error.message)),
            None => super::error_page("Not found", &error),
        },
    })
}
