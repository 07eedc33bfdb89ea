//! A price change Stripe left pending (`payment_behavior=pending_if_incomplete`) because its
//! payment did not go through, as the port's error.

use billing_core::ports::PaymentError;

use crate::wire::{self, ErrorType, PaymentIntentStatus};

/// Stripe's code for a charge the issuer refuses until the customer authenticates it.
const AUTHENTICATION_REQUIRED: &str = "authentication_required";

/// Why the pending change's payment has not gone through, from the latest invoice and the
/// PaymentIntent collecting it, either of which may be unknown.
///
/// Both outcomes send the customer to the hosted invoice page; they differ in what to ask of
/// them (authenticate, or pay another way). A state that cannot be told apart counts as a failed
/// payment, whose page also offers authentication when the card needs it.
pub(crate) fn pending_change_error(invoice: Option<&wire::Invoice>, intent: Option<&wire::PaymentIntent>) -> PaymentError {
    let hosted_invoice_url = invoice.and_then(|invoice| invoice.hosted_invoice_url.clone());
    if intent.is_some_and(awaits_authentication) {
        return PaymentError::PaymentRequiresAction { hosted_invoice_url };
    }
    PaymentError::PaymentFailed { hosted_invoice_url, user_message: intent.and_then(card_message) }
}

/// True while the payment waits for the customer to authenticate: Stripe asks for it
/// (`requires_action`), or the issuer declined the charge for want of it.
fn awaits_authentication(intent: &wire::PaymentIntent) -> bool {
    if intent.status == Some(PaymentIntentStatus::RequiresAction) {
        return true;
    }
    let codes = intent.last_payment_error.as_ref().map(|error| [error.code.as_deref(), error.decline_code.as_deref()]);
    codes.is_some_and(|codes| codes.contains(&Some(AUTHENTICATION_REQUIRED)))
}

/// The last attempt's message, only for card errors: Stripe documents those as safe to show the
/// customer, while other errors' prose is meant for developers.
fn card_message(intent: &wire::PaymentIntent) -> Option<String> {
    let error = intent.last_payment_error.as_ref().filter(|error| error.error_type == Some(ErrorType::CardError))?;
    error.message.clone()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const HOSTED: &str = "https://invoice.stripe.com/i/acct_test/test_1";

    fn invoice() -> wire::Invoice {
        serde_json::from_value(json!({"id": "in_1", "currency": "usd", "hosted_invoice_url": HOSTED})).unwrap()
    }

    fn intent(status: &str, error: serde_json::Value) -> wire::PaymentIntent {
        serde_json::from_value(json!({"id": "pi_1", "status": status, "last_payment_error": error})).unwrap()
    }

    #[test]
    fn a_declined_card_is_a_failed_payment_with_the_page_and_the_card_message() {
        let declined = intent("requires_payment_method", json!({"type": "card_error", "code": "card_declined", "message": "m"}));

        let error = pending_change_error(Some(&invoice()), Some(&declined));

        assert!(matches!(
            error,
            PaymentError::PaymentFailed { hosted_invoice_url: Some(ref url), user_message: Some(_) } if url == HOSTED
        ));
    }

    #[test]
    fn a_payment_awaiting_authentication_requires_the_customers_action() {
        let three_d_secure = intent("requires_action", json!(null));
        let issuer_wants_it = intent("requires_payment_method", json!({"type": "card_error", "decline_code": "authentication_required"}));

        for waiting in [three_d_secure, issuer_wants_it] {
            let error = pending_change_error(Some(&invoice()), Some(&waiting));

            assert!(matches!(error, PaymentError::PaymentRequiresAction { hosted_invoice_url: Some(ref url) } if url == HOSTED));
        }
    }

    #[test]
    fn messages_of_errors_other_than_card_errors_are_not_passed_on() {
        let api_error = intent("requires_payment_method", json!({"type": "api_error", "message": "for developers"}));

        let error = pending_change_error(Some(&invoice()), Some(&api_error));

        assert!(matches!(error, PaymentError::PaymentFailed { user_message: None, .. }));
    }

    #[test]
    fn an_unknown_payment_state_counts_as_a_failed_payment() {
        assert!(matches!(
            pending_change_error(Some(&invoice()), None),
            PaymentError::PaymentFailed { hosted_invoice_url: Some(_), user_message: None }
        ));
        assert!(matches!(pending_change_error(None, None), PaymentError::PaymentFailed { hosted_invoice_url: None, user_message: None }));
    }
}
