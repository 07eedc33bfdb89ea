//! The webhook failure limiter: a validly signed delivery always passes, and behind trusted
//! proxies failures count against the forwarded client, never against the balancer.

use serde_json::Value;

use crate::helpers::*;

async fn error_code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_owned())
}

/// Posts a delivery as a proxy would, naming the client in `X-Forwarded-For`.
async fn post_for(app: &TestApp, body: &[u8], signature: &str, forwarded_for: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/webhooks/stripe", app.address))
        .header("Content-Type", "application/json")
        .header("Stripe-Signature", signature)
        .header("X-Forwarded-For", forwarded_for)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_validly_signed_delivery_passes_after_forged_ones_from_its_address() {
    let app = spawn_app(Store::Sqlite).await;
    let body = fixture("invoice.paid.json");
    let forged = sign(&body, "whsec_attacker");
    for _ in 0..20 {
        assert_eq!(app.post_webhook(&body, Some(&forged)).await.status(), 400);
    }
    assert_eq!(error_code(app.post_webhook(&body, Some(&forged)).await).await, (429, "too_many_failures".into()));
    assert_eq!(error_code(app.post_webhook(&body, Some("t=1,v1=00")).await).await, (429, "too_many_failures".into()));
    let res = app.deliver(&body).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), serde_json::json!({"received": true}));
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_count_against_the_forwarded_client() {
    let app = spawn_with(|s| s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    let body = fixture("invoice.paid.json");
    let forged = sign(&body, "whsec_attacker");
    for _ in 0..20 {
        assert_eq!(post_for(&app, &body, &forged, "203.0.113.7").await.status(), 400);
    }
    assert_eq!(error_code(post_for(&app, &body, &forged, "203.0.113.7").await).await, (429, "too_many_failures".into()));
    // Another client behind the same balancer is judged on its own failures.
    assert_eq!(error_code(post_for(&app, &body, &forged, "198.51.100.2").await).await, (400, "invalid_signature".into()));
    // The attacker cannot pick another identity by prefixing the header: the proxy appends.
    let spoofed = "198.51.100.99, 203.0.113.7";
    assert_eq!(error_code(post_for(&app, &body, &forged, spoofed).await).await, (429, "too_many_failures".into()));
    assert_eq!(post_for(&app, &body, &sign(&body, WEBHOOK_SECRET), "198.51.100.2").await.status(), 200);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    // The tests connect from 127.0.0.1, which is not among these proxies.
    let app = spawn_with(|s| s.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()]).await;
    let body = fixture("invoice.paid.json");
    let forged = sign(&body, "whsec_attacker");
    for i in 0..20 {
        assert_eq!(post_for(&app, &body, &forged, &format!("198.51.100.{i}")).await.status(), 400);
    }
    assert_eq!(error_code(post_for(&app, &body, &forged, "198.51.100.250").await).await, (429, "too_many_failures".into()));
}
