//! The HTTP plumbing: one attempt, the retry loop around it, and response decoding.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::config::{StripeConfig, MAX_IDEMPOTENCY_PREFIX_LEN};
use crate::error::{self, BodyProblem, StripeError};
use crate::form::Form;
use crate::idempotency;
use crate::retry::{parse_should_retry, should_retry_status, should_retry_unreadable, RetryPolicy};

/// Why a [`StripeClient`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the Stripe API key is empty")]
    EmptyApiKey,
    #[error("the Stripe base URL must start with http:// or https://")]
    BadBaseUrl,
    #[error("the idempotency-key prefix must be 1 to {max} visible ASCII characters", max = MAX_IDEMPOTENCY_PREFIX_LEN)]
    BadIdempotencyPrefix,
    #[error("the HTTP client could not be built")]
    HttpClient(#[source] reqwest::Error),
}

/// A Stripe API client: form-encoded requests, pinned version, idempotency keys, retries.
#[derive(Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base_url: String,
    api_key: SecretString,
    api_version: String,
    retry: RetryPolicy,
    idempotency_prefix: Option<String>,
}

impl fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeClient")
            .field("base_url", &self.base_url)
            .field("api_key", &"[REDACTED]")
            .field("api_version", &self.api_version)
            .field("retry", &self.retry)
            .field("idempotency_prefix", &self.idempotency_prefix)
            .finish_non_exhaustive()
    }
}

/// One logical API call; every attempt of it sends the same method, path, params and key.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub params: Form,
    /// Sent as `Idempotency-Key` on POSTs, after the configured prefix.
    pub idempotency_key: Option<&'a str>,
    /// What a 404 is about (`customer`, `subscription`, ...).
    pub resource: &'static str,
}

/// The result of one attempt.
enum Attempt<T> {
    Done(Result<T, StripeError>),
    Retryable { error: StripeError, retry_after: Option<Duration> },
}

impl StripeClient {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`ConfigError`] when the key is empty, the base URL is not HTTP(S), the idempotency prefix
    /// is not short visible ASCII or the HTTP client cannot be built (TLS setup).
    pub fn new(config: StripeConfig) -> Result<Self, ConfigError> {
        if config.api_key.expose_secret().trim().is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(ConfigError::BadBaseUrl);
        }
        if config.idempotency_prefix.as_deref().is_some_and(|prefix| !idempotency::is_valid_prefix(prefix)) {
            return Err(ConfigError::BadIdempotencyPrefix);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .user_agent(concat!("billing-stripe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ConfigError::HttpClient)?;
        Ok(Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            retry: RetryPolicy::from_config(&config),
            api_key: config.api_key,
            api_version: config.api_version,
            idempotency_prefix: config.idempotency_prefix,
        })
    }

    /// `GET path?query`.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: String, query: Form, resource: &'static str) -> Result<T, StripeError> {
        self.send(Call { method: Method::GET, path, params: query, idempotency_key: None, resource }).await
    }

    /// `POST path` with a form body and an idempotency key.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        path: String,
        form: Form,
        key: &str,
        resource: &'static str,
    ) -> Result<T, StripeError> {
        self.send(Call { method: Method::POST, path, params: form, idempotency_key: Some(key), resource }).await
    }

    /// `DELETE path`; Stripe ignores idempotency keys on deletes, which are idempotent already.
    pub(crate) async fn delete<T: DeserializeOwned>(&self, path: String, resource: &'static str) -> Result<T, StripeError> {
        self.send(Call { method: Method::DELETE, path, params: Form::new(), idempotency_key: None, resource }).await
    }

    /// Runs `call` with retries until it succeeds, fails for good or the budget is spent.
    #[tracing::instrument(name = "Stripe API call", skip_all, fields(method = %call.method, path = %call.path))]
    pub(crate) async fn send<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, StripeError> {
        let started = Instant::now();
        let mut retries_done = 0;
        loop {
            let (error, retry_after) = match self.attempt(&call).await {
                Attempt::Done(result) => return result,
                Attempt::Retryable { error, retry_after } => (error, retry_after),
            };
            let jitter = rand::random::<f64>();
            let Some(delay) = self.retry.delay(retries_done, started.elapsed(), retry_after, jitter) else {
                return Err(error);
            };
            tracing::warn!(retry = retries_done + 1, delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), request_id = error.request_id(), %error, "retrying Stripe call");
            tokio::time::sleep(delay).await;
            retries_done += 1;
        }
    }

    fn request(&self, call: &Call<'_>) -> RequestBuilder {
        let url = format!("{}{}", self.base_url, call.path);
        let pairs = call.params.to_pairs();
        let mut builder = self
            .http
            .request(call.method.clone(), url)
            .bearer_auth(self.api_key.expose_secret())
            .header("Stripe-Version", &self.api_version);
        if let Some(key) = call.idempotency_key {
            builder = builder.header("Idempotency-Key", idempotency::wire_key(self.idempotency_prefix.as_deref(), key));
        }
        if call.method == Method::POST {
            builder.form(&pairs)
        } else if pairs.is_empty() {
            builder
        } else {
            builder.query(&pairs)
        }
    }

    async fn attempt<T: DeserializeOwned>(&self, call: &Call<'_>) -> Attempt<T> {
        match self.request(call).send().await {
            Ok(response) => read_response(response, call.resource).await,
            Err(error) => transport_failure(error),
        }
    }
}

fn transport_failure<T>(error: reqwest::Error) -> Attempt<T> {
    if error.is_timeout() {
        Attempt::Retryable { error: StripeError::Timeout, retry_after: None }
    } else if error.is_builder() {
        Attempt::Done(Err(StripeError::Network(error)))
    } else {
        Attempt::Retryable { error: StripeError::Network(error), retry_after: None }
    }
}

fn header_text<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|value| value.to_str().ok())
}

async fn read_response<T: DeserializeOwned>(response: Response, resource: &'static str) -> Attempt<T> {
    let status = response.status().as_u16();
    let request_id = header_text(&response, "request-id").map(str::to_owned);
    let should_retry = parse_should_retry(header_text(&response, "stripe-should-retry"));
    let retry_after = header_text(&response, "retry-after").and_then(|raw| raw.trim().parse::<u64>().ok()).map(Duration::from_secs);
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(error) => {
            let error = error::unreadable(status, request_id, resource, error);
            return retry_if(should_retry_unreadable(status, should_retry), error, retry_after);
        }
    };
    if (200..300).contains(&status) {
        tracing::debug!(status, request_id = request_id.as_deref(), "Stripe call succeeded");
        let parsed =
            serde_json::from_slice(&body).map_err(|e| StripeError::UnexpectedBody { status, request_id, problem: BodyProblem::Json(e) });
        return Attempt::Done(parsed);
    }
    let error = error::from_response(status, &body, request_id, resource);
    retry_if(should_retry_status(status, should_retry), error, retry_after)
}

fn retry_if<T>(retryable: bool, error: StripeError, retry_after: Option<Duration>) -> Attempt<T> {
    if retryable {
        Attempt::Retryable { error, retry_after }
    } else {
        Attempt::Done(Err(error))
    }
}
