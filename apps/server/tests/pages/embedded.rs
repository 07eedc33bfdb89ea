//! The pages framed by a host app on another origin: shown when `PAGES_FRAME_ANCESTORS` names
//! the host, with Checkout opened in the top window rather than in the frame, and refused by
//! the browser under the default `'none'`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::browser::Browser;
use crate::demo;

/// The frame's sandbox as docs/pages.md recommends it to host apps.
const SANDBOX: &str = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation";

/// The host app's page: a frame of `src`, which marks the body once the frame has loaded,
/// whether with the page or with the browser's refusal.
fn host_page(src: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Host app</title></head><body>\
         <h1>Host app</h1>\
         <iframe src=\"{src}\" title=\"Billing\" width=\"1200\" height=\"900\" sandbox=\"{SANDBOX}\" \
         onload=\"document.body.dataset.frame = 'loaded'\"></iframe></body></html>"
    )
}

/// A listener for the host app on a free loopback port, and its origin.
async fn host() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    (listener, origin)
}

/// Answers every request on `listener` with `html`, for as long as the test runs.
fn serve(listener: TcpListener, html: String) {
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
        html.len()
    );
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                while !request.windows(4).any(|end| end == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => request.extend_from_slice(&chunk[..read]),
                    }
                }
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
}

/// Opens the host app's page and waits until its frame has loaded.
async fn open_host(browser: &Browser, origin: &str) -> fantoccini::elements::Element {
    browser.open(origin).await;
    browser.shown("body[data-frame=\"loaded\"]").await;
    browser.shown("iframe[title=\"Billing\"]").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_named_in_the_setting_frames_the_pricing_page_and_checkout_opens_in_the_top_window() {
    let (listener, origin) = host().await;
    let demo = demo::start_with(|settings| settings.pages_frame_ancestors = origin.clone()).await;
    serve(listener, host_page(&demo.page("/pricing", &demo.owner_token)));
    let browser = Browser::start("embedded").await;

    let frame = open_host(&browser, &origin).await;
    frame.enter_frame().await.unwrap();
    browser.shows("article.plan[data-plan=\"free\"]", "Current Plan").await;
    browser.click("article.plan[data-plan=\"team\"] button[data-action=\"checkout\"]").await;
    browser.client.enter_parent_frame().await.unwrap();

    let checkout = browser
        .until("Checkout in the top window", || async { Some(browser.url().await).filter(|u| u.as_str().starts_with(&demo.sim)) })
        .await;
    assert!(checkout.path().starts_with("/c/pay/cs_test_"), "{checkout}");
    browser.shows("form[action^=\"/c/pay/\"] label", "Card number").await;
    browser.screenshot("checkout-top").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_default_setting_the_browser_refuses_to_show_the_page_in_a_frame() {
    let (listener, origin) = host().await;
    let demo = demo::start().await;
    serve(listener, host_page(&demo.page("/pricing", &demo.owner_token)));
    let browser = Browser::start("embedded-refused").await;

    let frame = open_host(&browser, &origin).await;
    browser.screenshot("host").await;
    frame.enter_frame().await.unwrap();
    // Chromium puts its own error page in the frame instead of the pricing page.
    let address = browser.client.execute("return location.href", vec![]).await.unwrap();
    assert!(address.as_str().is_some_and(|a| a.starts_with("chrome-error:")), "the frame holds {address}");
    assert_eq!(browser.count_shown("article.plan").await, 0, "no plan shows in the frame");
    browser.finish().await;
}
