//! Customers and Checkout sessions.

use serde_json::{json, Value};

use super::{metadata, set, set_at};
use crate::error::ApiError;
use crate::state::{CheckoutSession, Customer, SessionStatus, State};
use crate::templates::{template, Kind};

/// A customer; the saved test card shows as `invoice_settings.default_payment_method`.
pub fn customer(customer: &Customer) -> Result<Value, ApiError> {
    let mut object = template(Kind::Customer)?;
    set(&mut object, "id", customer.id.as_str());
    set(&mut object, "created", customer.created);
    set(&mut object, "email", customer.email.clone());
    set(&mut object, "metadata", metadata(&customer.metadata));
    set(&mut object, "discount", Value::Null);
    set(&mut object, "name", Value::Null);
    set(&mut object, "test_clock", Value::Null);
    set(&mut object, "invoice_prefix", customer.id.trim_start_matches("cus_").chars().take(8).collect::<String>().to_uppercase());
    let payment_method = customer.card.map(|_| super::payment_method_id(&customer.id));
    set_at(&mut object, &["invoice_settings", "default_payment_method"], payment_method);
    Ok(object)
}

/// A Checkout session; `url` only while it is open.
pub fn checkout_session(state: &State, session: &CheckoutSession) -> Result<Value, ApiError> {
    let mut object = template(Kind::CheckoutSession)?;
    // A trial's first invoice is of nothing, so the session totals nothing.
    let trial = session.trial_end.is_some() || session.trial_period_days.is_some();
    let amount = state.price(&session.price).filter(|_| !trial).map_or(0, |price| price.unit_amount);
    let (status, payment_status) = match session.status {
        SessionStatus::Open => ("open", "unpaid"),
        SessionStatus::Complete => ("complete", "paid"),
        SessionStatus::Expired => ("expired", "unpaid"),
    };
    let url = (session.status == SessionStatus::Open).then(|| format!("{}/c/pay/{}", state.base_url, session.id));
    let email = state.customers.get(&session.customer).and_then(|customer| customer.email.clone());
    set(&mut object, "id", session.id.as_str());
    set(&mut object, "created", session.created);
    set(&mut object, "customer", session.customer.as_str());
    set(&mut object, "client_reference_id", session.client_reference_id.clone());
    set(&mut object, "metadata", metadata(&session.metadata));
    set(&mut object, "expires_at", session.expires_at);
    set(&mut object, "success_url", session.success_url.as_str());
    set(&mut object, "cancel_url", session.cancel_url.clone());
    set(&mut object, "status", status);
    set(&mut object, "payment_status", payment_status);
    set(&mut object, "subscription", session.subscription.clone());
    set(&mut object, "invoice", session.invoice.clone());
    set(&mut object, "url", url);
    set(&mut object, "amount_subtotal", amount);
    set(&mut object, "amount_total", amount);
    set(
        &mut object,
        "customer_details",
        json!({"address": null, "business_name": null, "email": email, "individual_name": null, "name": null, "phone": null, "tax_exempt": "none", "tax_ids": []}),
    );
    Ok(object)
}
