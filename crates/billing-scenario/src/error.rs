//! What can go wrong while a scenario drives the server and the simulator.

/// One error for the whole crate: the journeys are scripts, and every failure ends them.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The request did not get an answer, or the answer was not the JSON expected.
    #[error("{what}: {source}")]
    Http {
        what: String,
        #[source]
        source: reqwest::Error,
    },
    /// The server or the simulator answered with an error status.
    #[error("{what} answered {status}: {body}")]
    Status { what: String, status: u16, body: String },
    /// A success answer that is not JSON.
    #[error("{what} answered something that is not JSON: {body}")]
    NotJson { what: String, body: String },
    /// A JSON answer of another shape than the step reads.
    #[error("{what} answered JSON of an unexpected shape: {source}")]
    Shape {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    /// An answer lacked a field the step needs.
    #[error("{what}: the answer has no {field}")]
    Missing { what: String, field: &'static str },
    /// The expected state did not arrive in time; the last one seen is kept for the report.
    #[error("waited {seconds} s for {expected}; last seen: {last}")]
    Timeout { expected: String, seconds: u64, last: String },
}

impl ScenarioError {
    pub(crate) fn http(what: &str) -> impl FnOnce(reqwest::Error) -> Self + '_ {
        move |source| Self::Http { what: what.to_owned(), source }
    }

    pub(crate) fn missing(what: &str, field: &'static str) -> Self {
        Self::Missing { what: what.to_owned(), field }
    }
}

/// Reads a JSON answer, turning an error status into [`ScenarioError::Status`] with its body.
pub(crate) async fn json(what: &str, response: Result<reqwest::Response, reqwest::Error>) -> Result<serde_json::Value, ScenarioError> {
    let response = response.map_err(ScenarioError::http(what))?;
    let status = response.status();
    let text = response.text().await.map_err(ScenarioError::http(what))?;
    if !status.is_success() {
        return Err(ScenarioError::Status { what: what.to_owned(), status: status.as_u16(), body: text });
    }
    serde_json::from_str(&text).map_err(|_| ScenarioError::NotJson { what: what.to_owned(), body: text })
}
