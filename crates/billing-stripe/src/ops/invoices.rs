//! `/v1/invoices`: a customer's latest invoices, and the preview of a price change.

use billing_core::ports::PriceChange;
use billing_core::StripeCustomerId;

use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::wire;

impl StripeClient {
    /// `GET /v1/invoices?customer=…&limit=…`: the customer's latest invoices, newest first.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn invoices_list(&self, customer: &StripeCustomerId, limit: u32) -> Result<wire::List<wire::Invoice>, StripeError> {
        let query = Form::new().text("customer", customer.as_str()).int("limit", i64::from(limit));
        self.get("/v1/invoices".into(), query, "invoice").await
    }

    /// `POST /v1/invoices/create_preview` for replacing the price of item `item_id` now with
    /// prorations invoiced at once, as of `change.proration_date`.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn invoices_create_preview(&self, change: &PriceChange, item_id: &str, key: &str) -> Result<wire::Invoice, StripeError> {
        let item = Form::new().text("id", item_id).text("price", change.price.as_str());
        let details = Form::new()
            .items("items", vec![item])
            .text("proration_behavior", "always_invoice")
            .int("proration_date", change.proration_date.timestamp());
        let form = Form::new()
            .text("customer", change.customer.as_str())
            .text("subscription", change.subscription.as_str())
            .map("subscription_details", details);
        self.post("/v1/invoices/create_preview".into(), form, key, "invoice").await
    }
}
