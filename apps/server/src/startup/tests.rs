//! Start-up helpers: the Stripe mode a key implies.

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
