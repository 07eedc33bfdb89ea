//! `/v1/subscriptions`.

use billing_core::{StripePriceId, StripeSubscriptionId};
use chrono::{DateTime, Utc};

use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::wire;

impl StripeClient {
    /// `GET /v1/subscriptions/{id}`, with `expand[]=schedule` when asked.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn subscriptions_retrieve(
        &self,
        id: &StripeSubscriptionId,
        expand_schedule: bool,
    ) -> Result<wire::Subscription, StripeError> {
        let query = if expand_schedule { Form::new().array("expand", ["schedule"]) } else { Form::new() };
        self.get(format!("/v1/subscriptions/{id}"), query, "subscription").await
    }

    /// `POST /v1/subscriptions/{id}` with `cancel_at_period_end=true|false`.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn subscriptions_set_cancel_at_period_end(
        &self,
        id: &StripeSubscriptionId,
        cancel: bool,
        key: &str,
    ) -> Result<wire::Subscription, StripeError> {
        let form = Form::new().flag("cancel_at_period_end", cancel);
        self.post(format!("/v1/subscriptions/{id}"), form, key, "subscription").await
    }

    /// `POST /v1/subscriptions/{id}` replacing the price of item `item_id`, prorations invoiced
    /// now (`always_invoice`) as of `proration_date` (reuse the preview's).
    ///
    /// `payment_behavior=pending_if_incomplete` makes the change wait for its payment: when the
    /// charge fails or needs the customer, Stripe answers 200 with `pending_update` set and the
    /// old price kept. The latest invoice and its payments come expanded so the caller can tell
    /// which happened without another call for the invoice.
    ///
    /// # Errors
    /// Any [`StripeError`]; a charge refused outright is [`StripeError::Card`].
    pub async fn subscriptions_change_price(
        &self,
        id: &StripeSubscriptionId,
        item_id: &str,
        price: &StripePriceId,
        proration_date: DateTime<Utc>,
        key: &str,
    ) -> Result<wire::Subscription, StripeError> {
        let item = Form::new().text("id", item_id).text("price", price.as_str());
        let form = Form::new()
            .items("items", vec![item])
            .text("proration_behavior", "always_invoice")
            .int("proration_date", proration_date.timestamp())
            .text("payment_behavior", "pending_if_incomplete")
            .array("expand", ["latest_invoice", "latest_invoice.payments"]);
        self.post(format!("/v1/subscriptions/{id}"), form, key, "subscription").await
    }

    /// `DELETE /v1/subscriptions/{id}`: cancels now, no proration, no final invoice.
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn subscriptions_cancel(&self, id: &StripeSubscriptionId) -> Result<wire::Subscription, StripeError> {
        self.delete(format!("/v1/subscriptions/{id}"), "subscription").await
    }
}
