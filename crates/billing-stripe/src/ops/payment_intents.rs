//! `/v1/payment_intents`, read to learn why an invoice's payment did not go through.

use super::path_segment;
use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::wire;

impl StripeClient {
    /// `GET /v1/payment_intents/{id}`.
    ///
    /// # Errors
    /// Any [`StripeError`]; [`StripeError::UnexpectedBody`] when `id` is not a plain id.
    pub async fn payment_intents_retrieve(&self, id: &str) -> Result<wire::PaymentIntent, StripeError> {
        let id = path_segment("payment_intent", id).map_err(StripeError::conversion)?;
        self.get(format!("/v1/payment_intents/{id}"), Form::new(), "payment intent").await
    }
}
