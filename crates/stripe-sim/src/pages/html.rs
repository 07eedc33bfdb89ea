//! The HTML of the hosted pages: one layout with inline CSS, and [`esc`], through which every
//! interpolated value goes so that nothing a request or an object carries becomes markup.

use std::fmt::Display;

use actix_web::http::header::{ContentType, LOCATION};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use crate::state::CardOutcome;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1a1f36}\
h1{font-size:1.4rem}.amount{font-size:2rem;font-weight:600}.muted{color:#697386}\
.error{background:#fde8e8;color:#9b1c1c;padding:.6rem .8rem;border-radius:6px}\
.card{border:1px solid #e3e8ee;border-radius:8px;padding:.8rem 1rem;margin:.8rem 0}\
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}\
button{font:inherit;padding:.45rem .9rem;border:0;border-radius:6px;background:#635bff;color:#fff;cursor:pointer;margin:.2rem 0}\
form.inline{display:inline}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .4rem}";

/// `value` as HTML text or attribute content: `& < > " '` escaped.
pub fn esc(value: impl Display) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A whole page answering with `status`; `body` is markup already built with [`esc`].
pub fn page(status: u16, title: &str, body: &str) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>{title} · Stripe simulator</title><style>{STYLE}</style></head><body>{body}\
<p class=\"muted\">Stripe simulator, test mode</p></body></html>",
        title = esc(title),
    );
    HttpResponse::build(status).content_type(ContentType::html()).body(html)
}

/// A page saying only `message`, for unknown objects and faults.
pub fn message_page(status: u16, title: &str, message: &str) -> HttpResponse {
    page(status, title, &format!("<h1>{}</h1><p>{}</p>", esc(title), esc(message)))
}

/// `303 See Other` to `location`, the answer to every form that worked.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, location)).finish()
}

/// An error banner, or nothing.
pub fn banner(message: Option<&str>) -> String {
    message.map(|message| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(message))).unwrap_or_default()
}

/// Minor units as `12.34 USD`; every currency the simulator seeds has two decimals.
pub fn money(amount: i64, currency: &str) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    format!("{sign}{}.{:02} {}", abs / 100, abs % 100, currency.to_uppercase())
}

/// A unix time as a UTC date and time.
pub fn date(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(|| at.to_string(), |time| time.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// How a saved test card reads.
pub fn card_label(card: Option<CardOutcome>) -> &'static str {
    match card {
        Some(CardOutcome::Succeeds) => "Visa ending 4242",
        Some(CardOutcome::AttachesThenFails) => "Visa ending 0341 (charges fail)",
        Some(CardOutcome::Declines) => "Visa ending 9995 (declines)",
        Some(CardOutcome::RequiresAuthentication) => "Visa ending 3184 (needs authentication)",
        None => "none",
    }
}

/// A one-button form posting `fields` (hidden) to `action`.
pub fn button(action: &str, fields: &[(&str, &str)], label: &str) -> String {
    let hidden: String =
        fields.iter().map(|(name, value)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(name), esc(value))).collect();
    format!(
        "<form class=\"inline\" method=\"post\" action=\"{}\">{hidden}<button type=\"submit\">{}</button></form>",
        esc(action),
        esc(label)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(esc("<a href=\"x\">Tom & Jerry's</a>"), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    }

    #[test]
    fn money_keeps_two_decimals_and_the_sign() {
        assert_eq!(money(9_900, "usd"), "99.00 USD");
        assert_eq!(money(-5, "eur"), "-0.05 EUR");
    }
}
