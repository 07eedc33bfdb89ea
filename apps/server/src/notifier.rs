//! Notice delivery: to the log, or as signed JSON POSTs to the host application.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use billing_core::ports::{Clock, Notifier, NotifyError, OutboxItem};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::dto::NoticeDto;

/// Delivers notices to the log, when no receiver is configured.
#[derive(Debug, Default)]
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, item: &OutboxItem) -> Result<(), NotifyError> {
        tracing::info!(notice_id = item.id, org = %item.org_id, kind = item.notice.kind(), "billing notice");
        Ok(())
    }
}

/// POSTs each notice as JSON to the host application, which renders and sends the email or
/// chat message. Deliveries are at least once, so receivers deduplicate by the `id` field (also
/// sent as `Billing-Notice-Id`). With a secret, `Billing-Signature: t=…,v1=…` signs
/// `"{t}.{body}"` with HMAC-SHA256, the scheme Stripe uses, so one verifier serves both.
pub struct WebhookNotifier {
    client: reqwest::Client,
    url: SecretString,
    secret: Option<SecretString>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier").field("signed", &self.secret.is_some()).finish_non_exhaustive()
    }
}

impl WebhookNotifier {
    /// # Errors
    /// When the HTTP client cannot be built (no TLS backend).
    pub fn new(url: SecretString, secret: Option<SecretString>, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // No redirects: a followed 301 turns the POST into a bodiless GET whose 200 would count
        // as delivered, and a 307 would carry the signed body, and a Referer with the secret
        // URL, to another host. A redirect is a refusal, retried and logged.
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { client, url, secret, clock })
    }
}

/// The JSON body of one delivery.
pub fn notice_body(item: &OutboxItem) -> serde_json::Value {
    serde_json::json!({
        "id": notice_id(item),
        "organization_id": item.org_id.as_str(),
        "notice": NoticeDto::from(item.notice.clone()),
    })
}

fn notice_id(item: &OutboxItem) -> String {
    format!("notice_{}", item.id)
}

/// `t={timestamp},v1={hex HMAC-SHA256 of "{timestamp}.{body}"}`; `None` only in theory, since
/// HMAC accepts keys of any length.
pub fn sign(secret: &SecretString, timestamp: i64, body: &[u8]) -> Option<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes()).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes())))
}

/// Timeouts, throttling and server errors may pass; any other refusal needs someone to look.
fn is_transient(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn notify(&self, item: &OutboxItem) -> Result<(), NotifyError> {
        let body = serde_json::to_vec(&notice_body(item)).map_err(|e| NotifyError::Unknown(e.into()))?;
        let mut request = self
            .client
            .post(self.url.expose_secret())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Billing-Notice-Id", notice_id(item));
        if let Some(secret) = &self.secret {
            let signature = sign(secret, self.clock.now().timestamp(), &body)
                .ok_or_else(|| NotifyError::Unknown(anyhow::anyhow!("NOTIFY_WEBHOOK_SECRET cannot key HMAC-SHA256")))?;
            request = request.header("Billing-Signature", signature);
        }
        // Errors drop the URL: it may carry a token.
        let response = request.body(body).send().await.map_err(|e| {
            tracing::warn!(notice_id = item.id, error = %e.without_url(), "notice delivery failed; it will be retried");
            NotifyError::Unavailable
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        tracing::warn!(notice_id = item.id, status = status.as_u16(), "the notice receiver refused the delivery; it will be retried");
        if is_transient(status) {
            Err(NotifyError::Unavailable)
        } else {
            Err(NotifyError::Unknown(anyhow::anyhow!("the notice receiver answered {status}")))
        }
    }
}

#[cfg(test)]
mod tests;
