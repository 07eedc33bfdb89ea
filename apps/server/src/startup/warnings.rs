//! What start-up warns about: settings left unset that switch a feature off, or leave it unsafe.

use crate::config::Settings;

/// What is missing or unsafe in `settings`, one warning each; logged at start.
fn unconfigured(settings: &Settings) -> Vec<&'static str> {
    let checks = [
        (
            settings.notify_webhook_url.is_none(),
            "NOTIFY_WEBHOOK_URL is not set: notices (failed payments, cancellations, ...) are only logged",
        ),
        (
            settings.notify_webhook_url.is_some() && settings.notify_webhook_secret.is_none(),
            "NOTIFY_WEBHOOK_SECRET is not set: notices are POSTed to NOTIFY_WEBHOOK_URL unsigned, so the receiver cannot tell them from forgeries",
        ),
        (
            settings.shared.stripe_secret_key.is_none(),
            "STRIPE_SECRET_KEY is not set: operations that need Stripe answer 503 stripe_not_configured, and webhooks of both live and test mode are accepted",
        ),
        (settings.stripe_webhook_secrets.is_empty(), "STRIPE_WEBHOOK_SECRET is not set: webhook deliveries answer 503 webhooks_not_configured"),
        (settings.jwt_secret.is_none(), "JWT_SECRET is not set: API requests answer 503 auth_not_configured"),
    ];
    checks.into_iter().filter_map(|(applies, warning)| applies.then_some(warning)).collect()
}

/// Logs each warning of [`unconfigured`], and each plan no Stripe price sells.
pub(super) fn report_unconfigured(settings: &Settings) {
    for warning in unconfigured(settings) {
        tracing::warn!("{warning}");
    }
    for (plan, price) in &settings.shared.stripe_prices {
        if price.is_none() {
            tracing::warn!(plan = %plan, "no Stripe price configured: the plan cannot be bought");
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn warns_about_unsigned_notices(settings: &Settings) -> bool {
        unconfigured(settings).iter().any(|w| w.starts_with("NOTIFY_WEBHOOK_SECRET is not set"))
    }

    #[test]
    fn a_notice_url_without_a_signing_secret_is_warned_about() {
        let mut settings = crate::config::defaults().unwrap();
        assert!(!warns_about_unsigned_notices(&settings));
        settings.notify_webhook_url = Some(SecretString::from("https://hooks.example/notices"));
        assert!(warns_about_unsigned_notices(&settings));
        settings.notify_webhook_secret = Some(SecretString::from("nsec_fixture"));
        assert!(!warns_about_unsigned_notices(&settings));
    }
}
