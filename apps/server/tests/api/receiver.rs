//! An app whose notices go to a wiremock receiver, as the host application would get them.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

/// An app on `store` posting its notices to the returned receiver, which accepts them all.
pub async fn spawn_with_receiver(store: Store) -> (TestApp, MockServer) {
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).and(path("/billing-notices")).respond_with(ResponseTemplate::new(204)).mount(&receiver).await;
    let (database, dir) = database(store).await;
    let url = format!("{}/billing-notices", receiver.uri());
    let app = spawn_configured(database, dir, true, |s| s.notify_webhook_url = Some(SecretString::from(url))).await;
    (app, receiver)
}

/// The notices of `kind` the receiver got so far, as `(organization, notice)`.
pub async fn received_notices(receiver: &MockServer, kind: &str) -> Vec<(String, Value)> {
    let requests = receiver.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter(|body| body["notice"]["kind"] == kind)
        .map(|body| (body["organization_id"].as_str().unwrap_or_default().to_owned(), body["notice"].clone()))
        .collect()
}

/// Waits until the receiver got `n` notices of `kind`, and returns them.
pub async fn notices_when(receiver: &MockServer, kind: &str, n: usize) -> Vec<(String, Value)> {
    let mut got = Vec::new();
    for _ in 0..150 {
        got = received_notices(receiver, kind).await;
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{n} `{kind}` notices never arrived; got {got:?}");
}
