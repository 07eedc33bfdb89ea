//! `/v1/charges`, read to check whose a charge is before refunding it, and to find the customer of a disputed one.

use billing_core::StripeChargeId;

use super::path_segment;
use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::wire;

impl StripeClient {
    /// `GET /v1/charges/{id}`.
    ///
    /// # Errors
    /// Any [`StripeError`]; an id that may not go into a URL path is refused before any request.
    pub async fn charges_retrieve(&self, id: &StripeChargeId) -> Result<wire::Charge, StripeError> {
        let id = path_segment("charge", id.as_str()).map_err(StripeError::conversion)?;
        self.get(format!("/v1/charges/{id}"), Form::new(), "charge").await
    }
}
