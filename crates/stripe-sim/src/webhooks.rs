//! Registered webhook endpoints, their signing secrets and how deliveries are signed.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A signing secret that stays valid after a rotation until `expires_at` (wall-clock seconds).
#[derive(Clone)]
pub struct PreviousSecret {
    pub secret: String,
    pub expires_at: i64,
}

/// One `POST /v1/webhook_endpoints` registration.
#[derive(Clone)]
pub struct WebhookEndpoint {
    pub id: String,
    pub created: i64,
    pub url: String,
    /// Event types, or `*` for every type.
    pub enabled_events: Vec<String>,
    pub api_version: Option<String>,
    pub secret: String,
    pub previous_secret: Option<PreviousSecret>,
    /// How many events of the log were handed to delivery already; events before the
    /// endpoint's creation are never delivered to it.
    pub cursor: usize,
}

impl std::fmt::Debug for WebhookEndpoint {
    /// Secrets are left out so that they never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("enabled_events", &self.enabled_events)
            .finish()
    }
}

impl WebhookEndpoint {
    /// Whether the endpoint asked for events of `event_type`.
    pub fn subscribes(&self, event_type: &str) -> bool {
        self.enabled_events.iter().any(|enabled| enabled == "*" || enabled == event_type)
    }

    /// The secrets a delivery at wall-clock `now` is signed with: the current one first, then
    /// the previous one while its overlap lasts.
    pub fn signing_secrets(&self, now: i64) -> Vec<String> {
        let mut secrets = vec![self.secret.clone()];
        if let Some(previous) = self.previous_secret.as_ref().filter(|previous| previous.expires_at > now) {
            secrets.push(previous.secret.clone());
        }
        secrets
    }
}

/// Faults the delivery task injects, all off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// A wait before every first delivery attempt.
    pub delay: Duration,
    /// Every event is delivered twice.
    pub duplicate: bool,
    /// The events of one API request (or one clock advance) are delivered newest first.
    pub reorder: bool,
    /// The first attempt of every event is dropped and counted as failed, so the event arrives
    /// later by the retry schedule.
    pub drop_first: bool,
}

/// `Stripe-Signature` for `payload` at `t`: one `v1` per secret, as Stripe sends during a
/// secret's overlap period.
pub fn signature_header(payload: &[u8], secrets: &[String], t: i64) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        // HMAC takes keys of any length, so the error branch cannot happen.
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
            mac.update(format!("{t}.").as_bytes());
            mac.update(payload);
            header.push_str(",v1=");
            header.push_str(&hex::encode(mac.finalize().into_bytes()));
        }
    }
    header
}

/// A fresh `whsec_` secret.
pub fn new_secret() -> String {
    crate::ids::new_id("whsec")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_secret_signs_exactly_as_billing_stripe_expects() {
        let header = signature_header(b"{\"id\":\"evt_1\"}", &["whsec_abc".to_owned()], 1_700_000_000);

        assert_eq!(header, billing_stripe::generate_test_header(b"{\"id\":\"evt_1\"}", "whsec_abc", 1_700_000_000));
    }

    #[test]
    fn the_previous_secret_signs_only_until_its_overlap_ends() {
        let endpoint = WebhookEndpoint {
            id: "we_1".into(),
            created: 0,
            url: "http://127.0.0.1:1/".into(),
            enabled_events: vec!["invoice.paid".into()],
            api_version: None,
            secret: "whsec_new".into(),
            previous_secret: Some(PreviousSecret { secret: "whsec_old".into(), expires_at: 100 }),
            cursor: 0,
        };

        assert_eq!(endpoint.signing_secrets(99), ["whsec_new", "whsec_old"]);
        assert_eq!(endpoint.signing_secrets(100), ["whsec_new"]);
        assert!(endpoint.subscribes("invoice.paid") && !endpoint.subscribes("invoice.created"));
    }
}
