//! `/v1/charges`, read to check whose a charge is before refunding it.

use billing_core::StripeChargeId;

use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::wire;

impl StripeClient {
    /// `GET /v1/charges/{id}`.
    ///
    /// # Errors
    /// Any [`StripeError`]; [`StripeError::NotFound`] for a charge Stripe does not know.
    pub async fn charges_retrieve(&self, id: &StripeChargeId) -> Result<wire::Charge, StripeError> {
        self.get(format!("/v1/charges/{id}"), Form::new(), "charge").await
    }
}
