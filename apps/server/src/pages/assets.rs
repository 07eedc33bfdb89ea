//! The pages' CSS and JavaScript, compiled into the binary and served under `/assets/`.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, web, HttpResponse};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// One served file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

const ASSETS: [Asset; 4] = [
    Asset { name: "pages.css", content_type: "text/css; charset=utf-8", body: include_str!("../../assets/pages.css") },
    Asset { name: "common.js", content_type: JS, body: include_str!("../../assets/common.js") },
    Asset { name: "billing.js", content_type: JS, body: include_str!("../../assets/billing.js") },
    Asset { name: "pricing.js", content_type: JS, body: include_str!("../../assets/pricing.js") },
];

/// A short hash of every asset, appended to their URLs (`?v=…`) so a new build's files are
/// fetched afresh while each build's stay cacheable.
pub fn fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| {
        let mut hash = Sha256::new();
        for file in &ASSETS {
            hash.update(file.name.as_bytes());
            hash.update(file.body.as_bytes());
        }
        hex::encode(&hash.finalize()[..6])
    })
}

/// The URL of asset `name`, fingerprinted.
pub(super) fn url(name: &str) -> String {
    format!("/assets/{name}?v={}", fingerprint())
}

#[get("/assets/{name}")]
pub(super) async fn asset(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = ASSETS.iter().find(|a| a.name == name.as_str()).ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .body(file.body))
}
