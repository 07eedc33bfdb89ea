//! The pages' markup and headers: nothing inline, so the strict policy holds.

use super::*;

fn rendered() -> [(&'static str, String); 2] {
    let settings = PageSettings::new("https://app.example", "'none'");
    [("billing", billing::render(&settings).into_string()), ("pricing", pricing::render(&settings).into_string())]
}

#[test]
fn pages_carry_no_inline_script_style_or_handler() {
    for (name, html) in rendered() {
        let scripts = html.matches("<script").count();
        assert_eq!(html.matches("<script src=\"/assets/").count(), scripts, "{name}: every script is a served file");
        assert!(!html.contains("<style") && !html.contains(" style="), "{name}: no inline style");
        assert!(!html.contains(" onclick=") && !html.contains("javascript:"), "{name}: no inline handler");
        assert_eq!(html.matches("href=\"https://app.example\" target=\"_top\"").count(), 2, "{name}: the way back to the app");
    }
}

#[test]
fn the_policy_allows_only_this_server_and_the_configured_framing_sites() {
    let csp = content_security_policy("https://app.example 'self'");
    assert!(csp.starts_with("default-src 'self'; script-src 'self'; style-src 'self';"), "{csp}");
    assert!(csp.ends_with("frame-ancestors https://app.example 'self'"), "{csp}");
    assert!(!csp.contains("unsafe") && !csp.contains("data:"), "{csp}");
}

#[test]
fn asset_urls_carry_one_fingerprint_of_every_asset() {
    let url = assets::url("common.js");
    assert_eq!(url, format!("/assets/common.js?v={}", fingerprint()));
    assert_eq!(fingerprint().len(), 12);
    for (name, html) in rendered() {
        assert!(html.contains(&format!("/assets/{name}.js?v={}", fingerprint())), "{name}");
    }
}
