//! Start-up helpers: the Stripe mode a key implies, and where Stripe sends customers back to.

use secrecy::SecretString;

use super::*;

#[test]
fn the_stripe_mode_comes_from_the_keys_second_part() {
    let mut settings = crate::config::defaults().unwrap();
    assert_eq!(stripe_mode(&settings), None, "without a key both modes are accepted");
    for (key, mode) in
        [("sk_{}_fixture", Some("live")), ("rk_{}_fixture", Some("live")), ("sk_test_fixture", Some("test")), ("pk_{}_x", None)]
    {
        settings.shared.stripe_secret_key = Some(SecretString::from(key.replace("{}", "live")));
        assert_eq!(stripe_mode(&settings).map(|m| m.as_str()), mode, "{key}");
    }
}

#[test]
fn stripe_returns_to_the_host_app_unless_the_pages_have_a_public_url() {
    let mut settings = crate::config::defaults().unwrap();
    settings.app_base_url = "https://app.example".into();
    let urls = return_urls(&settings);
    assert_eq!(urls.checkout_success, "https://app.example/settings/billing?session_id={CHECKOUT_SESSION_ID}");
    assert_eq!(
        (urls.checkout_cancel.as_str(), urls.portal_return.as_str()),
        ("https://app.example/settings/billing", "https://app.example/settings/billing")
    );

    settings.public_url = Some("https://billing.example".into());
    let urls = return_urls(&settings);
    assert_eq!(urls.checkout_success, "https://billing.example/billing?session_id={CHECKOUT_SESSION_ID}");
    assert_eq!(urls.checkout_cancel, "https://billing.example/pricing?checkout=canceled");
    assert_eq!(urls.portal_return, "https://billing.example/billing");
}
