//! The Stripe simulator's API and test helpers: what Checkout's page, the customer's bank and
//! the passing of time do in a real journey.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{json, ScenarioError};

/// The test clock the scenarios move; every simulator clock is a view of the same time.
const CLOCK: &str = "clock_scenario";

/// Stripe's test cards, by what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCard {
    /// 4242 4242 4242 4242: every payment succeeds.
    Succeeds,
    /// 4000 0000 0000 0341: attaches, then every charge fails.
    FailsAfterAttaching,
    /// 4000 0000 0000 9995: declined for insufficient funds.
    Declines,
    /// 4000 0027 6000 3184: every payment needs the customer to authenticate.
    RequiresAuthentication,
}

impl TestCard {
    pub fn number(self) -> &'static str {
        match self {
            Self::Succeeds => "4242424242424242",
            Self::FailsAfterAttaching => "4000000000000341",
            Self::Declines => "4000000000009995",
            Self::RequiresAuthentication => "4000002760003184",
        }
    }
}

/// Webhook delivery faults, as the simulator's `webhook_faults` helper takes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryFaults {
    /// Wait this long before every first attempt.
    pub delay_ms: u64,
    /// Deliver every event twice.
    pub duplicate: bool,
    /// Deliver the events of one request or clock advance newest first.
    pub reorder: bool,
    /// Drop every first attempt, so events arrive by the retry schedule.
    pub drop_first: bool,
}

/// A client of the simulator at one base URL; any `sk_` key opens it.
#[derive(Debug, Clone)]
pub struct SimApi {
    base: String,
    client: reqwest::Client,
}

impl SimApi {
    pub fn new(base: impl Into<String>) -> Self {
        Self { base: base.into(), client: reqwest::Client::new() }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn get(&self, what: &str, path: &str) -> Result<Value, ScenarioError> {
        json(what, self.client.get(format!("{}{path}", self.base)).bearer_auth("sk_test_scenario").send().await).await
    }

    async fn post(&self, what: &str, path: &str, form: &[(&str, String)]) -> Result<Value, ScenarioError> {
        let request = self.client.post(format!("{}{path}", self.base)).bearer_auth("sk_test_scenario").form(form);
        json(what, request.send().await).await
    }

    /// `GET` of any simulator path, as Stripe's API would answer it.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn get_json(&self, path: &str) -> Result<Value, ScenarioError> {
        self.get(path, path).await
    }

    /// `POST` of a form to any simulator path, as a Stripe API call or a Dashboard action.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn post_form(&self, path: &str, form: &[(&str, String)]) -> Result<Value, ScenarioError> {
        self.post(path, path, form).await
    }

    /// `DELETE` of any simulator path.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn delete(&self, path: &str) -> Result<Value, ScenarioError> {
        json(path, self.client.delete(format!("{}{path}", self.base)).bearer_auth("sk_test_scenario").send().await).await
    }

    /// The Stripe customer a Checkout session is for.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn session_customer(&self, session: &str) -> Result<String, ScenarioError> {
        let what = "GET /v1/checkout/sessions/{id}";
        let value = self.get(what, &format!("/v1/checkout/sessions/{session}")).await?;
        value["customer"].as_str().map(str::to_owned).ok_or_else(|| ScenarioError::missing(what, "customer"))
    }

    /// Pays the Checkout session with `card`, as the hosted page does.
    ///
    /// # Errors
    /// Any [`ScenarioError`]; a declined card is a 402 [`ScenarioError::Status`].
    pub async fn complete_checkout(&self, session: &str, card: TestCard) -> Result<Value, ScenarioError> {
        let path = format!("/v1/test_helpers/checkout/sessions/{session}/complete");
        self.post("complete the checkout", &path, &[("card", card.number().to_owned())]).await
    }

    /// Replaces the customer's saved card.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn set_card(&self, customer: &str, card: TestCard) -> Result<Value, ScenarioError> {
        let path = format!("/v1/test_helpers/customers/{customer}/card");
        self.post("switch the saved card", &path, &[("card", card.number().to_owned())]).await
    }

    /// The simulator's time.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn now(&self) -> Result<DateTime<Utc>, ScenarioError> {
        let what = "GET /v1/test_helpers/test_clocks/{id}";
        let value = self.get(what, &format!("/v1/test_helpers/test_clocks/{CLOCK}")).await?;
        let seconds = value["frozen_time"].as_i64().ok_or_else(|| ScenarioError::missing(what, "frozen_time"))?;
        DateTime::from_timestamp(seconds, 0).ok_or_else(|| ScenarioError::missing(what, "frozen_time"))
    }

    /// Moves the simulator's time to `at` (never backwards), running what falls due.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn advance_to(&self, at: DateTime<Utc>) -> Result<Value, ScenarioError> {
        let path = format!("/v1/test_helpers/test_clocks/{CLOCK}/advance");
        self.post("advance the test clock", &path, &[("frozen_time", at.timestamp().to_string())]).await
    }

    /// The types of the newest `limit` (1 to 100) events, newest first.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn event_types(&self, limit: u8) -> Result<Vec<String>, ScenarioError> {
        let what = "GET /v1/events";
        let value = self.get(what, &format!("/v1/events?limit={limit}")).await?;
        let data = value["data"].as_array().ok_or_else(|| ScenarioError::missing(what, "data"))?;
        Ok(data.iter().filter_map(|event| event["type"].as_str().map(str::to_owned)).collect())
    }

    /// Replaces the webhook delivery faults with `faults`.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn faults(&self, faults: DeliveryFaults) -> Result<Value, ScenarioError> {
        let form = [
            ("delay_ms", faults.delay_ms.to_string()),
            ("duplicate", faults.duplicate.to_string()),
            ("reorder", faults.reorder.to_string()),
            ("drop_first", faults.drop_first.to_string()),
        ];
        self.post("switch delivery faults", "/v1/test_helpers/webhook_faults", &form).await
    }
}
