//! Invoices and their lines in the basil-and-later shape (`parent`, `pricing`).

use serde_json::Value;

use super::{metadata, set, set_at};
use crate::error::ApiError;
use crate::state::{Invoice, InvoiceLine, InvoiceStatus, State};
use crate::templates::{template, Kind};

/// `invoice.status` as Stripe spells it.
pub fn invoice_status(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Draft => "draft",
        InvoiceStatus::Open => "open",
        InvoiceStatus::Paid => "paid",
        InvoiceStatus::Void => "void",
    }
}

fn line(template_line: Option<&Value>, state: &State, invoice: &Invoice, line: &InvoiceLine) -> Value {
    let mut object = template_line.cloned().unwrap_or(Value::Null);
    let product = state.price(&line.price).map(|price| price.product.clone());
    set(&mut object, "id", line.id.as_str());
    set(&mut object, "amount", line.amount);
    set(&mut object, "subtotal", line.amount);
    set(&mut object, "currency", invoice.currency.as_str());
    set(&mut object, "invoice", invoice.id.as_str());
    set(&mut object, "subscription", invoice.subscription.as_str());
    set(&mut object, "description", if line.proration { "Proration" } else { "Subscription" });
    set_at(&mut object, &["parent", "subscription_item_details", "proration"], line.proration);
    set_at(&mut object, &["parent", "subscription_item_details", "subscription"], invoice.subscription.as_str());
    set_at(&mut object, &["parent", "subscription_item_details", "subscription_item"], invoice.subscription_item.as_str());
    set_at(&mut object, &["period", "start"], line.period_start);
    set_at(&mut object, &["period", "end"], line.period_end);
    set_at(&mut object, &["pricing", "price_details", "price"], line.price.as_str());
    set_at(&mut object, &["pricing", "price_details", "product"], product);
    // Every line has quantity 1, so its unit amount is its amount (a proration's included).
    set_at(&mut object, &["pricing", "unit_amount_decimal"], line.amount.to_string());
    object
}

fn amounts(object: &mut Value, invoice: &Invoice) {
    let total = invoice.total();
    let paid = if invoice.status == InvoiceStatus::Paid { total.max(0) } else { 0 };
    set(object, "amount_due", total.max(0));
    set(object, "amount_paid", paid);
    set(object, "amount_remaining", total.max(0) - paid);
    for key in ["subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax"] {
        set(object, key, total);
    }
}

/// An invoice with its `payments` list, as `expand[]=payments` asks.
pub fn invoice_with_payments(state: &State, invoice: &Invoice) -> Result<Value, ApiError> {
    let mut object = self::invoice(state, invoice)?;
    set(&mut object, "payments", super::invoice_payments(state, invoice)?);
    Ok(object)
}

/// An invoice; `payments` is left out as Stripe does unless expanded.
pub fn invoice(state: &State, invoice: &Invoice) -> Result<Value, ApiError> {
    let mut object = template(Kind::Invoice)?;
    let template_line = object.pointer("/lines/data/0").cloned();
    let lines: Vec<Value> = invoice.lines.iter().map(|l| line(template_line.as_ref(), state, invoice, l)).collect();
    set_at(&mut object, &["lines", "data"], Value::Array(lines));
    set_at(&mut object, &["lines", "url"], format!("/v1/invoices/{}/lines", invoice.id));
    let customer = state.customers.get(&invoice.customer);
    let sub_metadata = state.subscriptions.get(&invoice.subscription).map(|sub| metadata(&sub.metadata));
    set(&mut object, "id", invoice.id.as_str());
    set(&mut object, "customer", invoice.customer.as_str());
    set(&mut object, "customer_email", customer.and_then(|c| c.email.clone()));
    set(&mut object, "customer_name", Value::Null);
    set(&mut object, "customer_address", Value::Null);
    set(&mut object, "created", invoice.created);
    set(&mut object, "effective_at", invoice.created);
    set(&mut object, "currency", invoice.currency.as_str());
    set(&mut object, "billing_reason", invoice.billing_reason);
    set(&mut object, "status", invoice_status(invoice.status));
    set(&mut object, "attempt_count", invoice.attempt_count);
    set(&mut object, "attempted", invoice.attempt_count > 0);
    set(&mut object, "next_payment_attempt", invoice.next_payment_attempt);
    set(&mut object, "number", Value::Null);
    set(&mut object, "receipt_number", Value::Null);
    set(&mut object, "metadata", Value::Object(serde_json::Map::new()));
    set(&mut object, "hosted_invoice_url", format!("{}/i/{}", state.base_url, invoice.id));
    set(&mut object, "invoice_pdf", format!("{}/i/{}/pdf", state.base_url, invoice.id));
    let (start, end) = invoice.lines.first().map_or((invoice.created, invoice.created), |l| (l.period_start, l.period_end));
    set(&mut object, "period_start", start);
    set(&mut object, "period_end", end);
    set_at(&mut object, &["parent", "subscription_details", "subscription"], invoice.subscription.as_str());
    set_at(&mut object, &["parent", "subscription_details", "metadata"], sub_metadata);
    set_at(&mut object, &["status_transitions", "finalized_at"], invoice.created);
    set_at(&mut object, &["status_transitions", "paid_at"], invoice.paid_at);
    set(&mut object, "webhooks_delivered_at", invoice.created);
    amounts(&mut object, invoice);
    Ok(object)
}
