//! `/v1/refunds`.

use billing_core::ports::RefundRequest;

use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::refunds::WireRefund;

impl StripeClient {
    /// `POST /v1/refunds` for `charge`, with `amount` when given (otherwise what is left of the
    /// charge), `reason` when given, and `metadata[org_id]` naming the organization.
    ///
    /// # Errors
    /// Any [`StripeError`]; Stripe refuses with an invalid request an amount above what is left,
    /// and a charge refunded already.
    pub async fn refunds_create(&self, request: &RefundRequest, key: &str) -> Result<WireRefund, StripeError> {
        let form = Form::new()
            .text("charge", request.charge.as_str())
            .opt_text("reason", request.reason.map(|r| r.as_str()))
            .map("metadata", Form::new().text("org_id", request.org_id.as_str()));
        let form = match request.amount {
            Some(amount) => form.int("amount", amount.minor_units()),
            None => form,
        };
        self.post("/v1/refunds".into(), form, key, "refund").await
    }
}
