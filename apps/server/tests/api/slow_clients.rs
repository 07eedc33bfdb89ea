//! Slow clients: a body must arrive within `BODY_READ_TIMEOUT_SECS`, and what needs no body is
//! checked before the body is read.

use std::time::Duration;

use billing_server::auth::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Sends `head`, then drips the body one `piece` a second (from half a second in) until the
/// server answers and closes the connection, and returns what it sent. Fails when the server
/// still holds the connection after `limit`.
async fn drip_pieces(app: &TestApp, head: &str, piece: &'static [u8], limit: Duration) -> String {
    let stream = TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let dripping = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        while writer.write_all(piece).await.is_ok() {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buffer = [0_u8; 4096];
        while let Ok(n @ 1..) = reader.read(&mut buffer).await {
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    dripping.abort();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(read.is_ok(), "the server still held the connection after {limit:?}; it had sent: {answer:?}");
    answer
}

/// [`drip_pieces`] of one space each, for bodies with a `Content-Length`.
async fn drip(app: &TestApp, head: &str, limit: Duration) -> String {
    drip_pieces(app, head, b" ", limit).await
}

fn head(path: &str, extra_headers: &str) -> String {
    format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{extra_headers}Content-Length: 1000\r\n\r\n")
}

#[tokio::test]
async fn a_webhook_body_dripped_past_the_deadline_is_answered_408_and_the_connection_closed() {
    let app = spawn_with(|s| s.body_read_timeout_secs = 2).await;
    let signature = sign(b"{}", WEBHOOK_SECRET);
    let answer = drip(&app, &head("/api/webhooks/stripe", &format!("Stripe-Signature: {signature}\r\n")), Duration::from_secs(2 + 4)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"request_timeout\""), "{answer}");
}

#[tokio::test]
async fn a_chunked_webhook_body_dripped_past_the_deadline_is_answered_408_and_the_connection_closed() {
    let app = spawn_with(|s| s.body_read_timeout_secs = 2).await;
    let signature = sign(b"{}", WEBHOOK_SECRET);
    let head = format!(
        "POST /api/webhooks/stripe HTTP/1.1\r\nHost: localhost\r\nStripe-Signature: {signature}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let answer = drip_pieces(&app, &head, b"1\r\n \r\n", Duration::from_secs(2 + 4)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn a_json_api_body_dripped_past_the_deadline_is_answered_408() {
    let app = spawn_with(|s| s.body_read_timeout_secs = 2).await;
    let bearer = format!("Authorization: Bearer {}\r\n", token("org_1", Role::Owner, 600));
    let answer = drip(&app, &head("/api/billing/checkout", &bearer), Duration::from_secs(2 + 4)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"request_timeout\""), "{answer}");
}

#[tokio::test]
async fn a_webhook_without_a_signature_header_is_refused_before_its_body_arrives() {
    // The longest deadline allowed: an answer within a few seconds cannot come from it.
    let app = spawn_with(|s| s.body_read_timeout_secs = 60).await;
    let answer = drip(&app, &head("/api/webhooks/stripe", ""), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"error\":\"invalid_signature\""), "{answer}");
    // A chunked body is not drained after the answer either: the connection closes.
    let chunked = "POST /api/webhooks/stripe HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    let answer = drip_pieces(&app, chunked, b"1\r\n \r\n", Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}

#[tokio::test]
async fn without_webhook_secrets_a_delivery_is_refused_before_its_body_arrives() {
    let app = spawn_with(|s| {
        s.body_read_timeout_secs = 60;
        s.stripe_webhook_secrets.clear();
    })
    .await;
    let signature = sign(b"{}", WEBHOOK_SECRET);
    let answer = drip(&app, &head("/api/webhooks/stripe", &format!("Stripe-Signature: {signature}\r\n")), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"error\":\"webhooks_not_configured\""), "{answer}");
}
