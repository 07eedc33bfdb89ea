//! `/v1/customers`.

use billing_core::{OrgId, StripeCustomerId};

use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::wire;

impl StripeClient {
    /// `POST /v1/customers` with `metadata[org_id]` (and `email` when known).
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn customers_create(&self, org: &OrgId, email: Option<&str>, key: &str) -> Result<wire::Customer, StripeError> {
        let form = Form::new().opt_text("email", email).map("metadata", Form::new().text("org_id", org.as_str()));
        self.post("/v1/customers".into(), form, key, "customer").await
    }

    /// `GET /v1/customers/{id}`; a deleted customer comes back with `deleted: true`.
    ///
    /// # Errors
    /// Any [`StripeError`]; [`StripeError::NotFound`] for ids Stripe never issued.
    pub async fn customers_retrieve(&self, id: &StripeCustomerId) -> Result<wire::Customer, StripeError> {
        self.get(format!("/v1/customers/{id}"), Form::new(), "customer").await
    }
}
