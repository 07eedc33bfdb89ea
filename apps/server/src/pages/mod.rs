//! The billing and pricing pages a host app links to or embeds: server-rendered HTML with a
//! little plain JavaScript and CSS, all served from the binary under a strict
//! Content-Security-Policy, so they work offline and need no build step. The pages call the
//! JSON API with the token the host app hands over in the URL fragment (see `docs/pages.md`).

mod assets;
mod billing;
mod layout;
mod pricing;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, web, HttpResponse};
use maud::Markup;

use crate::state::AppState;

pub use assets::fingerprint;

/// The billing page: subscription, banners, invoices, cancelling.
pub const BILLING_PATH: &str = "/billing";
/// The pricing page: every plan, and buying or changing one.
pub const PRICING_PATH: &str = "/pricing";

/// What the pages need from the settings, prepared once at start-up.
#[derive(Debug, Clone)]
pub struct PageSettings {
    /// The host app, where "Back to the app" and an expired session lead.
    pub app_url: String,
    /// The pages' `Content-Security-Policy`.
    pub csp: String,
}

impl PageSettings {
    /// The pages of an app at `app_url`, which the sites in `frame_ancestors` may embed.
    pub fn new(app_url: &str, frame_ancestors: &str) -> Self {
        Self { app_url: app_url.to_owned(), csp: content_security_policy(frame_ancestors) }
    }
}

/// Everything from this server only: no inline script or style, no plugin, no other origin to
/// connect to or submit to; `frame-ancestors` from `PAGES_FRAME_ANCESTORS`.
pub fn content_security_policy(frame_ancestors: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )
}

/// Registers the pages and their assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(billing_page).service(pricing_page).service(assets::asset);
}

/// A page with the headers every page carries. Pages are never cached: they are small, and a
/// stale one could run against a newer API.
fn page(settings: &PageSettings, markup: Markup) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .insert_header((header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")));
    match HeaderValue::from_str(&settings.csp) {
        Ok(csp) => response.insert_header((header::CONTENT_SECURITY_POLICY, csp)),
        // The setting is validated to plain printable text, so this cannot happen; were it to,
        // the most restrictive policy still lets the page run, unframed.
        Err(_) => response.insert_header((header::CONTENT_SECURITY_POLICY, content_security_policy("'none'"))),
    };
    response.body(markup.into_string())
}

#[get("/billing")]
async fn billing_page(state: web::Data<AppState>) -> HttpResponse {
    page(&state.pages, billing::render(&state.pages))
}

#[get("/pricing")]
async fn pricing_page(state: web::Data<AppState>) -> HttpResponse {
    page(&state.pages, pricing::render(&state.pages))
}

#[cfg(test)]
mod tests;
