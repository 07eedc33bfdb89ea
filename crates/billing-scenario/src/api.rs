//! The billing server's JSON API, as an organization's owner calls it.

use std::time::Duration;

use serde_json::{json, Value};

use crate::error::{json, ScenarioError};
use crate::snapshot::{Money, Snapshot};

/// How long a step waits for the webhooks to bring the state it expects.
const SETTLE: Duration = Duration::from_secs(30);

/// A client of one server for one organization, with a bearer token.
#[derive(Debug, Clone)]
pub struct ServerApi {
    base: String,
    token: String,
    client: reqwest::Client,
}

/// What `POST /api/billing/proration` quoted for a plan change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub direction: String,
    pub charge_now: Money,
    pub next_invoice: Money,
    pub quote: String,
}

fn text(value: &Value, what: &str, field: &'static str) -> Result<String, ScenarioError> {
    value[field].as_str().map(str::to_owned).ok_or_else(|| ScenarioError::missing(what, field))
}

fn int(value: &Value, what: &str, field: &'static str) -> Result<i64, ScenarioError> {
    value[field].as_i64().ok_or_else(|| ScenarioError::missing(what, field))
}

impl ServerApi {
    /// A client of the server at `base` (`http://host:port`) acting with `token`.
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self { base: base.into(), token: token.into(), client: reqwest::Client::new() }
    }

    async fn call(&self, what: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, ScenarioError> {
        let mut request = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        json(what, request.send().await).await
    }

    /// `GET /api/billing/subscription`.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn subscription(&self) -> Result<Snapshot, ScenarioError> {
        let what = "GET /api/billing/subscription";
        let value = self.call(what, reqwest::Method::GET, "/api/billing/subscription", None).await?;
        serde_json::from_value(value).map_err(|source| ScenarioError::Shape { what: what.into(), source })
    }

    /// `POST /api/billing/checkout` for `plan`; answers the session id.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn checkout(&self, plan: &str) -> Result<String, ScenarioError> {
        let what = "POST /api/billing/checkout";
        let value = self.call(what, reqwest::Method::POST, "/api/billing/checkout", Some(json!({ "plan": plan }))).await?;
        text(&value, what, "session_id")
    }

    /// `POST /api/billing/verify-session`, as the page Checkout returns to does.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn verify_session(&self, session: &str) -> Result<Value, ScenarioError> {
        let body = json!({ "session_id": session });
        self.call("POST /api/billing/verify-session", reqwest::Method::POST, "/api/billing/verify-session", Some(body)).await
    }

    /// `POST /api/billing/proration` for `plan`.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn proration(&self, plan: &str) -> Result<Quote, ScenarioError> {
        let what = "POST /api/billing/proration";
        let value = self.call(what, reqwest::Method::POST, "/api/billing/proration", Some(json!({ "plan": plan }))).await?;
        let currency = text(&value, what, "currency")?;
        Ok(Quote {
            direction: text(&value, what, "direction")?,
            charge_now: Money { amount: int(&value, what, "proration_amount")?, currency: currency.clone() },
            next_invoice: Money { amount: int(&value, what, "next_invoice_amount")?, currency },
            quote: text(&value, what, "quote")?,
        })
    }

    /// `POST /api/billing/plan` to `plan`, paying exactly `quote` when given.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn change_plan(&self, plan: &str, quote: Option<&str>) -> Result<Value, ScenarioError> {
        let body = json!({ "plan": plan, "quote": quote });
        self.call("POST /api/billing/plan", reqwest::Method::POST, "/api/billing/plan", Some(body)).await
    }

    /// `DELETE /api/billing/plan/scheduled`: keeps the current plan.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn keep_plan(&self) -> Result<Value, ScenarioError> {
        self.call("DELETE /api/billing/plan/scheduled", reqwest::Method::DELETE, "/api/billing/plan/scheduled", None).await
    }

    /// `DELETE /api/billing/subscription`: cancels at the period end.
    ///
    /// # Errors
    /// Any [`ScenarioError`].
    pub async fn cancel(&self) -> Result<Value, ScenarioError> {
        self.call("DELETE /api/billing/subscription", reqwest::Method::DELETE, "/api/billing/subscription", None).await
    }

    /// Reads the subscription until `expected` holds, for at most 30 seconds.
    ///
    /// # Errors
    /// [`ScenarioError::Timeout`] with the last state seen, or any error of the reads.
    pub async fn wait_until(&self, expected: &str, holds: impl Fn(&Snapshot) -> bool) -> Result<Snapshot, ScenarioError> {
        let deadline = tokio::time::Instant::now() + SETTLE;
        loop {
            let snapshot = self.subscription().await?;
            if holds(&snapshot) {
                return Ok(snapshot);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ScenarioError::Timeout {
                    expected: expected.to_owned(),
                    seconds: SETTLE.as_secs(),
                    last: snapshot.to_string(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
