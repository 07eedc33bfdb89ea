//! The billing pages and their assets as a browser receives them: the security headers with the
//! configured framing site, the assets' content types, and nothing served for an unknown asset.

use crate::helpers::*;

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_pages_send_the_policy_with_the_configured_framing_site_and_are_never_cached() {
    let app = spawn_with(|s| s.pages_frame_ancestors = "https://app.example".into()).await;
    for path in ["/billing", "/pricing"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        let csp = header(&response, "content-security-policy");
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        assert!(directives.contains(&"frame-ancestors https://app.example"), "{path}: {csp}");
        assert!(directives.contains(&"script-src 'self'") && directives.contains(&"default-src 'self'"), "{path}: {csp}");
        assert!(header(&response, "content-type").starts_with("text/html"), "{path}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
        assert_eq!(header(&response, "referrer-policy"), "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn without_a_framing_site_no_one_may_frame_the_pages() {
    let app = spawn_with(|_| {}).await;
    let csp = header(&app.get("/billing", None).await, "content-security-policy");
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn the_assets_the_pages_load_are_served_with_their_content_types() {
    let app = spawn_with(|_| {}).await;
    let page = app.get("/pricing", None).await.text().await.unwrap();
    let expected =
        [("pages.css", "text/css"), ("common.js", "text/javascript"), ("pricing.js", "text/javascript"), ("billing.js", "text/javascript")];
    for (name, content_type) in expected {
        // The page links the fingerprinted URL; billing.js is linked from the other page.
        let linked = format!("/assets/{name}?v=");
        let path = page.find(&linked).map_or(format!("/assets/{name}"), |at| page[at..].split('"').next().unwrap().to_owned());
        let response = app.get(&path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(header(&response, "content-type").starts_with(content_type), "{path}: {}", header(&response, "content-type"));
        assert_eq!(header(&response, "x-content-type-options"), "nosniff", "{path}");
        assert!(!response.text().await.unwrap().is_empty(), "{path}");
    }
}

#[tokio::test]
async fn an_unknown_asset_is_not_found() {
    let app = spawn_with(|_| {}).await;
    for path in ["/assets/nope.js", "/assets/..%2Fsrc%2Fmain.rs", "/assets/"] {
        assert_eq!(app.get(path, None).await.status(), 404, "{path}");
    }
}
