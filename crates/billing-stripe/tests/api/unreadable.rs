//! Error responses whose bodies are not Stripe's JSON (proxy pages, empty bodies) or are cut
//! short on the wire: the status still decides the error and whether the call is retried.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use billing_stripe::{BodyProblem, StripeClient, StripeError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn decisive_statuses_with_html_or_empty_bodies_map_to_their_own_errors() {
    type Expected = fn(&StripeError) -> bool;
    let cases: [(u16, Expected); 4] = [
        (401, |e| matches!(e, StripeError::Authentication { .. })),
        (403, |e| matches!(e, StripeError::Permission { .. })),
        (404, |e| matches!(e, StripeError::NotFound { resource: "customer", .. })),
        (429, |e| matches!(e, StripeError::RateLimited { .. })),
    ];
    for (status, expected) in cases {
        for body in ["", "<html><body>Request blocked</body></html>"] {
            let server = MockServer::start().await;
            Mock::given(method("GET")).respond_with(ResponseTemplate::new(status).set_body_string(body)).mount(&server).await;

            let outcome = client(&server).customers_retrieve(&customer_id()).await;

            assert!(outcome.as_ref().is_err_and(expected), "{status} {body:?}: {outcome:?}");
        }
    }
}

/// A server that answers every request with `status` and a body shorter than its
/// `Content-Length`, then closes the connection; returns its base URL and a connection count.
async fn truncating_server(status: u16) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(answer_truncated(stream, status));
        }
    });
    (url, connections)
}

async fn answer_truncated(mut stream: TcpStream, status: u16) {
    let mut request = Vec::new();
    let mut chunk = [0_u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
    }
    let head = format!("HTTP/1.1 {status} Status\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(br#"{"error": {"#).await;
    let _ = stream.shutdown().await;
}

async fn retrieve_from(url: String) -> Result<billing_stripe::wire::Customer, StripeError> {
    StripeClient::new(config_at(url)).unwrap().customers_retrieve(&customer_id()).await
}

#[tokio::test]
async fn a_client_error_whose_body_is_cut_short_is_not_retried() {
    let (url, connections) = truncating_server(400).await;

    let outcome = retrieve_from(url).await;

    assert!(matches!(outcome, Err(StripeError::UnexpectedBody { status: 400, problem: BodyProblem::Read(_), .. })), "{outcome:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_auth_failure_whose_body_is_cut_short_is_an_auth_failure_and_not_retried() {
    let (url, connections) = truncating_server(401).await;

    let outcome = retrieve_from(url).await;

    assert!(matches!(outcome, Err(StripeError::Authentication { .. })), "{outcome:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_server_error_whose_body_is_cut_short_is_retried() {
    let (url, connections) = truncating_server(503).await;

    let outcome = retrieve_from(url).await;

    assert!(matches!(outcome, Err(StripeError::UnexpectedBody { status: 503, problem: BodyProblem::Read(_), .. })), "{outcome:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 3, "one attempt and two retries");
}
