//! `/v1/subscription_schedules`, used for downgrades that take effect at period end.

use billing_core::{StripePriceId, StripeSubscriptionId};
use chrono::{DateTime, Utc};

use super::path_segment;
use crate::client::StripeClient;
use crate::error::StripeError;
use crate::form::Form;
use crate::wire;

/// The two phases of a downgrade at period end: the current price until `switch_at`, then the
/// new price (monthly) until the schedule releases the subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DowngradePhases {
    pub current_price: StripePriceId,
    /// The start of the phase running now; Stripe requires it unchanged.
    pub current_start: DateTime<Utc>,
    pub switch_at: DateTime<Utc>,
    pub next_price: StripePriceId,
}

impl DowngradePhases {
    fn to_form(&self) -> Form {
        let one = |price: &StripePriceId| vec![Form::new().text("price", price.as_str()).int("quantity", 1)];
        let current = Form::new()
            .items("items", one(&self.current_price))
            .int("start_date", self.current_start.timestamp())
            .int("end_date", self.switch_at.timestamp());
        let next = Form::new()
            .items("items", one(&self.next_price))
            .map("duration", Form::new().text("interval", "month").int("interval_count", 1));
        Form::new().text("end_behavior", "release").text("proration_behavior", "none").items("phases", vec![current, next])
    }
}

impl StripeClient {
    /// `POST /v1/subscription_schedules` with only `from_subscription` (Stripe allows no more).
    ///
    /// # Errors
    /// Any [`StripeError`].
    pub async fn subscription_schedules_create_from_subscription(
        &self,
        subscription: &StripeSubscriptionId,
        key: &str,
    ) -> Result<wire::SubscriptionSchedule, StripeError> {
        let form = Form::new().text("from_subscription", subscription.as_str());
        self.post("/v1/subscription_schedules".into(), form, key, "subscription").await
    }

    /// `GET /v1/subscription_schedules/{id}`.
    ///
    /// # Errors
    /// Any [`StripeError`]; [`StripeError::UnexpectedBody`] when `id` is not a plain id.
    pub async fn subscription_schedules_retrieve(&self, id: &str) -> Result<wire::SubscriptionSchedule, StripeError> {
        let id = path_segment("schedule", id).map_err(StripeError::conversion)?;
        self.get(format!("/v1/subscription_schedules/{id}"), Form::new(), "subscription schedule").await
    }

    /// `POST /v1/subscription_schedules/{id}`: `end_behavior=release`, `proration_behavior=none`
    /// and the two phases of `phases`.
    ///
    /// # Errors
    /// Any [`StripeError`]; [`StripeError::UnexpectedBody`] when `id` is not a plain id.
    pub async fn subscription_schedules_set_downgrade_phases(
        &self,
        id: &str,
        phases: &DowngradePhases,
        key: &str,
    ) -> Result<wire::SubscriptionSchedule, StripeError> {
        let id = path_segment("schedule", id).map_err(StripeError::conversion)?;
        self.post(format!("/v1/subscription_schedules/{id}"), phases.to_form(), key, "subscription schedule").await
    }

    /// `POST /v1/subscription_schedules/{id}/release`: detaches the schedule and leaves the
    /// subscription as it is now.
    ///
    /// # Errors
    /// Any [`StripeError`]; [`StripeError::UnexpectedBody`] when `id` is not a plain id.
    pub async fn subscription_schedules_release(&self, id: &str, key: &str) -> Result<wire::SubscriptionSchedule, StripeError> {
        let id = path_segment("schedule", id).map_err(StripeError::conversion)?;
        self.post(format!("/v1/subscription_schedules/{id}/release"), Form::new(), key, "subscription schedule").await
    }
}
