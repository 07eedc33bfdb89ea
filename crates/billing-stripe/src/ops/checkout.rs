//! `/v1/checkout/sessions` and `/v1/billing_portal/sessions`.

use billing_core::ports::CheckoutRequest;
use billing_core::{CheckoutSessionId, StripeCustomerId};

use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::wire;

impl StripeClient {
    /// `POST /v1/checkout/sessions` in subscription mode for one price, closing at
    /// `request.expires_at`.
    ///
    /// The organization goes into `client_reference_id` and `metadata[org_id]` of the session,
    /// and through `subscription_data[metadata][org_id]` onto the subscription, so every object
    /// Checkout creates names it. `payment_method_types` is never sent (refused since endive);
    /// the success URL keeps `{CHECKOUT_SESSION_ID}`.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn checkout_sessions_create(&self, request: &CheckoutRequest, key: &str) -> Result<wire::CheckoutSession, StripeError> {
        let org = request.org_id.as_str();
        let org_metadata = || Form::new().text("org_id", org);
        let line_item = Form::new().text("price", request.price.as_str()).int("quantity", 1);
        let form = Form::new()
            .text("mode", "subscription")
            .text("customer", request.customer.as_str())
            .text("client_reference_id", org)
            .map("metadata", org_metadata())
            .items("line_items", vec![line_item])
            .text("success_url", request.success_url.as_str())
            .text("cancel_url", request.cancel_url.as_str())
            .int("expires_at", request.expires_at.timestamp())
            .map("subscription_data", Form::new().map("metadata", org_metadata()));
        self.post("/v1/checkout/sessions".into(), form, key, "checkout session").await
    }

    /// `GET /v1/checkout/sessions/{id}`.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn checkout_sessions_retrieve(&self, id: &CheckoutSessionId) -> Result<wire::CheckoutSession, StripeError> {
        self.get(format!("/v1/checkout/sessions/{id}"), Form::new(), "checkout session").await
    }

    /// `POST /v1/billing_portal/sessions` with the account's default portal configuration.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn billing_portal_sessions_create(
        &self,
        customer: &StripeCustomerId,
        return_url: &str,
        key: &str,
    ) -> Result<wire::PortalSession, StripeError> {
        let form = Form::new().text("customer", customer.as_str()).text("return_url", return_url);
        self.post("/v1/billing_portal/sessions".into(), form, key, "customer").await
    }
}
