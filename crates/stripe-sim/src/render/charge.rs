//! Charges, PaymentIntents, refunds and an invoice's payments.

use serde_json::{json, Value};

use super::{metadata, set, set_at};
use crate::error::ApiError;
use crate::payments::{CardError, Charge, IntentStatus, PaymentIntent, Refund};
use crate::state::{Invoice, InvoiceStatus, State};
use crate::templates::{template, Kind};

fn card_error(error: &CardError, charge: Option<&str>) -> Value {
    json!({
        "type": "card_error",
        "code": error.code,
        "decline_code": error.decline_code,
        "message": error.message,
        "charge": charge,
        "doc_url": format!("https://docs.stripe.com/error-codes/{}", error.code.replace('_', "-")),
        "param": null,
    })
}

/// A charge; a failed one carries its card's error code as `failure_code` (`card_declined`), its
/// message as `failure_message` and the decline code as `outcome.reason`.
pub fn charge(charge: &Charge) -> Result<Value, ApiError> {
    let mut object = template(Kind::Charge)?;
    let succeeded = charge.failure.is_none();
    set(&mut object, "id", charge.id.as_str());
    set(&mut object, "created", charge.created);
    set(&mut object, "customer", charge.customer.as_str());
    set(&mut object, "payment_intent", charge.payment_intent.as_str());
    set(&mut object, "amount", charge.amount);
    set(&mut object, "amount_captured", if succeeded { charge.amount } else { 0 });
    set(&mut object, "amount_refunded", charge.amount_refunded);
    set(&mut object, "refunded", succeeded && charge.amount_refunded == charge.amount);
    set(&mut object, "currency", charge.currency.as_str());
    set(&mut object, "captured", succeeded);
    set(&mut object, "paid", succeeded);
    set(&mut object, "status", if succeeded { "succeeded" } else { "failed" });
    set(&mut object, "failure_code", charge.failure.map(|f| f.code));
    set(&mut object, "failure_message", charge.failure.map(|f| f.message));
    set(&mut object, "description", "Subscription update");
    set(&mut object, "receipt_url", Value::Null);
    set(&mut object, "balance_transaction", succeeded.then(|| format!("txn_{}", charge.id.trim_start_matches("ch_"))));
    if let Some(failure) = charge.failure {
        set_at(&mut object, &["outcome", "network_status"], "declined_by_network");
        set_at(&mut object, &["outcome", "reason"], failure.decline_code);
        set_at(&mut object, &["outcome", "seller_message"], "The bank did not return any further details with this decline.");
        set_at(&mut object, &["outcome", "type"], "issuer_declined");
    }
    set_at(&mut object, &["payment_method_details", "card", "amount_authorized"], succeeded.then_some(charge.amount));
    set_at(&mut object, &["payment_method_details", "card", "overcapture", "maximum_amount_capturable"], charge.amount);
    Ok(object)
}

/// A PaymentIntent; `requires_action` carries a `next_action` to authenticate.
pub fn payment_intent(state: &State, intent: &PaymentIntent) -> Result<Value, ApiError> {
    let mut object = template(Kind::PaymentIntent)?;
    let received = if intent.status == IntentStatus::Succeeded { intent.amount } else { 0 };
    let payment_method = state.customers.get(&intent.customer).and_then(|c| c.card.map(|_| super::payment_method_id(&c.id)));
    set(&mut object, "id", intent.id.as_str());
    set(&mut object, "created", intent.created);
    set(&mut object, "customer", intent.customer.as_str());
    set(&mut object, "amount", intent.amount);
    set(&mut object, "amount_received", received);
    set(&mut object, "currency", intent.currency.as_str());
    set(&mut object, "status", intent.status.as_str());
    set(&mut object, "canceled_at", Value::Null);
    set(&mut object, "client_secret", format!("{}_secret_simulated", intent.id));
    set(&mut object, "description", "Subscription update");
    set(&mut object, "latest_charge", intent.latest_charge.clone());
    set(&mut object, "payment_method", payment_method);
    set(&mut object, "last_payment_error", intent.last_error.as_ref().map(|error| card_error(error, intent.latest_charge.as_deref())));
    let next_action = (intent.status == IntentStatus::RequiresAction).then(|| json!({"type": "use_stripe_sdk", "use_stripe_sdk": {}}));
    set(&mut object, "next_action", next_action);
    for key in ["processing", "transfer_data", "payment_method_configuration_details", "shipping"] {
        set(&mut object, key, Value::Null);
    }
    set(&mut object, "automatic_payment_methods", Value::Null);
    set(&mut object, "managed_payments", Value::Null);
    Ok(object)
}

/// A refund, succeeded.
pub fn refund(refund: &Refund) -> Result<Value, ApiError> {
    let mut object = template(Kind::Refund)?;
    set(&mut object, "id", refund.id.as_str());
    set(&mut object, "created", refund.created);
    set(&mut object, "amount", refund.amount);
    set(&mut object, "currency", refund.currency.as_str());
    set(&mut object, "charge", refund.charge.as_str());
    set(&mut object, "payment_intent", refund.payment_intent.as_str());
    set(&mut object, "customer", refund.customer.as_str());
    set(&mut object, "reason", refund.reason.clone());
    set(&mut object, "metadata", metadata(&refund.metadata));
    set(&mut object, "status", "succeeded");
    set(&mut object, "balance_transaction", format!("txn_{}", refund.id.trim_start_matches("re_")));
    Ok(object)
}

/// `invoice.payments` as a list: the default payment by the invoice's PaymentIntent, once an
/// attempt was made.
pub fn invoice_payments(state: &State, invoice: &Invoice) -> Result<Value, ApiError> {
    let mut data = Vec::new();
    if let Some(intent) = invoice.payment_intent.as_ref().and_then(|id| state.payment_intents.get(id)) {
        let mut object = template(Kind::InvoicePayment)?;
        let paid = invoice.status == InvoiceStatus::Paid;
        let status = match (paid, invoice.status) {
            (true, _) => "paid",
            (false, InvoiceStatus::Void) => "canceled",
            (false, _) => "open",
        };
        set(&mut object, "id", format!("inpay_{}", intent.id.trim_start_matches("pi_")));
        set(&mut object, "amount_paid", paid.then_some(intent.amount));
        set(&mut object, "amount_requested", intent.amount);
        set(&mut object, "created", intent.created);
        set(&mut object, "currency", intent.currency.as_str());
        set(&mut object, "invoice", invoice.id.as_str());
        set(&mut object, "is_default", true);
        set(&mut object, "livemode", false);
        set(&mut object, "payment", json!({"type": "payment_intent", "payment_intent": intent.id}));
        set(&mut object, "status", status);
        set(&mut object, "status_transitions", json!({"canceled_at": null, "paid_at": invoice.paid_at}));
        data.push(object);
    }
    Ok(json!({"object": "list", "data": data, "has_more": false, "url": format!("/v1/invoice_payments?invoice={}", invoice.id)}))
}
