//! `/v1/invoices`: listing and retrieving invoices, paying an open one by the saved card, and
//! voiding it.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{handle, Ctx};
use crate::billing_cycle::{charge, price_change};
use crate::error::ApiError;
use crate::form::decode;
use crate::render;
use crate::server::Sim;
use crate::state::{Invoice, InvoiceStatus, State};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/invoices", web::get().to(list))
        .route("/v1/invoices/{id}", web::get().to(retrieve))
        .route("/v1/invoices/{id}/pay", web::post().to(pay))
        .route("/v1/invoices/{id}/void", web::post().to(void));
}

#[derive(Debug, Default, Deserialize)]
struct Expand {
    #[serde(default)]
    expand: Vec<String>,
}

/// An invoice, with `payments` when `expand[]=payments` asks.
fn rendered(state: &State, invoice: &Invoice, expand: &[String]) -> Result<Value, ApiError> {
    match expand {
        [] => render::invoice(state, invoice),
        [one] if one == "payments" => render::invoice_with_payments(state, invoice),
        _ => Err(ApiError::invalid_param("expand", "The simulator expands payments only.")),
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    customer: Option<String>,
    subscription: Option<String>,
    status: Option<String>,
    limit: Option<i64>,
    starting_after: Option<String>,
}

impl ListQuery {
    fn matches(&self, invoice: &Invoice) -> bool {
        self.customer.as_ref().is_none_or(|customer| *customer == invoice.customer)
            && self.subscription.as_ref().is_none_or(|sub| *sub == invoice.subscription)
            && self.status.as_deref().is_none_or(|status| status == render::invoice_status(invoice.status))
    }
}

/// Newest first, `limit` 1–100 (default 10), after the `starting_after` invoice.
fn list_invoices(state: &State, query: &ListQuery) -> Result<Value, ApiError> {
    let limit = query.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid_param("limit", "limit must be between 1 and 100."));
    }
    let mut all: Vec<&Invoice> = state.invoices.values().filter(|invoice| query.matches(invoice)).collect();
    all.sort_by_key(|invoice| std::cmp::Reverse(invoice.seq));
    let skip = match &query.starting_after {
        Some(cursor) => {
            let at = all.iter().position(|invoice| invoice.id == *cursor);
            at.map(|i| i + 1).ok_or_else(|| ApiError::missing("invoice", "starting_after", cursor))?
        }
        None => 0,
    };
    let page: Vec<&Invoice> = all.iter().skip(skip).take(usize::try_from(limit).unwrap_or(10)).copied().collect();
    let has_more = all.len() > skip + page.len();
    let data = page.iter().map(|invoice| render::invoice(state, invoice)).collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"object": "list", "data": data, "has_more": has_more, "url": "/v1/invoices"}))
}

async fn list(req: HttpRequest, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| list_invoices(state, &decode(req.query_string().as_bytes())?))
}

async fn retrieve(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let query: Expand = decode(req.query_string().as_bytes())?;
        let invoice = state.invoices.get(id.as_str()).ok_or_else(|| ApiError::missing("invoice", "id", &id))?;
        rendered(state, invoice, &query.expand)
    })
}

async fn pay(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let query: Expand = decode(&body)?;
        let invoice = charge::pay(state, &ctx.cause, &id, ctx.now)?;
        rendered(state, &invoice, &query.expand)
    })
}

/// Voids an open invoice: no more attempts, its PaymentIntent canceled, `invoice.voided`; a
/// pending update waiting for it is dropped.
fn void_invoice(state: &mut State, ctx: &Ctx, id: &str) -> Result<Value, ApiError> {
    let invoice = state.invoices.get(id).cloned().ok_or_else(|| ApiError::missing("invoice", "id", id))?;
    if invoice.status != InvoiceStatus::Open {
        return Err(ApiError::state(format!("Only open invoices can be voided; {id} is {}.", render::invoice_status(invoice.status))));
    }
    let voided = price_change::void(state, &ctx.cause, invoice, ctx.now)?;
    price_change::forget_pending_of(state, &ctx.cause, &voided, ctx.now)?;
    render::invoice(state, &voided)
}

async fn void(req: HttpRequest, id: Path<String>, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| void_invoice(state, ctx, &id))
}
