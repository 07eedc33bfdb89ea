//! Target: the server's API token checks (`TokenAuthority::verify` and `refresh`), fed random
//! text, mutated valid tokens, and tokens the harness signs with the server's secret around
//! headers and claims of the wrong shape, so the checks after the signature are reached too.

use std::borrow::Cow;

use billing_server::auth::{TokenAuthority, TokenPolicy};
use chrono::DateTime;
use hmac::{Hmac, Mac};
use rand::rngs::StdRng;
use rand::Rng;
use secrecy::SecretString;
use serde_json::json;
use sha2::Sha256;

use crate::harness::Target;
use crate::json::mutate_json;
use crate::mutate::{lossy, mutate_bytes, random_bytes, random_text};

/// The signing secret the target's authority is configured with.
pub const SECRET: &str = "fuzz-token-secret-NOT-A-REAL-SECRET";

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// JOSE headers: the one the server issues, other algorithms, and headers of the wrong shape.
const HEADERS: &[&str] = &[
    r#"{"typ":"JWT","alg":"HS256"}"#,
    r#"{"alg":"HS256"}"#,
    r#"{"alg":"none","typ":"JWT"}"#,
    r#"{"alg":"HS512","typ":"JWT"}"#,
    r#"{"alg":"RS256","typ":"JWT"}"#,
    r#"{"alg":"ES256","typ":"JWT"}"#,
    r#"{"alg":"EdDSA","typ":"JWT"}"#,
    r#"{"alg":"HS256","kid":"../../x","crit":["exp"],"jku":"http://127.0.0.1/"}"#,
    r#"{"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}}"#,
    r#"{"typ":"JWT"}"#,
    r#"{"alg":1}"#,
    r#"["alg","HS256"]"#,
    r#""HS256""#,
    "",
];

/// The roles the server knows, and one it does not.
const ROLES: [&str; 4] = ["owner", "admin", "member", "root"];

/// One token checked at one instant.
#[derive(Debug, Clone)]
pub struct TokenInput {
    pub token: String,
    pub now: i64,
}

/// The issuer the second authority demands.
const ISSUER: &str = "billing-fuzz";

/// The audience the second authority demands.
const AUDIENCE: &str = "billing-api";

/// The token target: one authority with the default policy, one that also demands an issuer and
/// an audience, so both validation paths are reached.
#[derive(Debug)]
pub struct TokenTarget {
    authorities: [TokenAuthority; 2],
}

impl Default for TokenTarget {
    fn default() -> Self {
        let strict = TokenPolicy { issuer: Some(ISSUER.to_owned()), audience: Some(AUDIENCE.to_owned()), ..TokenPolicy::default() };
        let authorities = [TokenPolicy::default(), strict].map(|policy| TokenAuthority::new(Some(SecretString::from(SECRET)), policy));
        Self { authorities }
    }
}

impl Target for TokenTarget {
    type Input = TokenInput;

    fn name(&self) -> &'static str {
        "api-token"
    }

    fn generate(&self, rng: &mut StdRng) -> TokenInput {
        let now = if rng.gen_bool(0.9) { rng.gen_range(0..5_000_000_000) } else { rng.gen() };
        let token = match rng.gen_range(0..10) {
            0 => lossy(&random_bytes(rng, 200)),
            1 => (0..rng.gen_range(1..5)).map(|_| random_text(rng, &BASE64URL.map(char::from), 40)).collect::<Vec<_>>().join("."),
            2..=6 => crafted(rng, now),
            _ => {
                let mut bytes = crafted(rng, now).into_bytes();
                mutate_bytes(rng, &mut bytes, 3);
                lossy(&bytes)
            }
        };
        TokenInput { token, now }
    }

    fn execute(&self, input: &TokenInput) -> Cow<'static, str> {
        let now = DateTime::from_timestamp(input.now, 0).unwrap_or_default();
        let [default, strict] = self.authorities.each_ref().map(|authority| {
            let _ = authority.refresh(&input.token, now).map_err(|error| error.to_string());
            // The server's error names are its own and may grow, so the outcome is their `Debug`.
            authority.verify(&input.token, now).map_or_else(|error| format!("{error:?}"), |_| "Accepted".to_owned())
        });
        Cow::Owned(format!("default:{default}/strict:{strict}"))
    }

    fn dump(&self, input: &TokenInput) -> String {
        format!("token={} now={}", hex::encode(&input.token), input.now)
    }
}

/// A token signed with [`SECRET`] whose header and claims may be of any shape.
fn crafted(rng: &mut StdRng, now: i64) -> String {
    // The server's own header most of the time, or hardly any token would reach the claims.
    let header = if rng.gen_bool(0.6) { HEADERS[0] } else { HEADERS[rng.gen_range(0..HEADERS.len())] };
    let mut claims = json!({
        "sub": "user_1",
        "org_id": "org_42",
        "role": ROLES[rng.gen_range(0..ROLES.len())],
        "email": "a@example.test",
        "exp": now.saturating_add(rng.gen_range(-7_200..7_200)),
    });
    if rng.gen_bool(0.5) {
        claims["iat"] = json!(now.saturating_sub(rng.gen_range(-120..1_000_000)));
        claims["iss"] = json!(ISSUER);
        claims["aud"] = if rng.gen_bool(0.5) { json!(AUDIENCE) } else { json!(["other", AUDIENCE]) };
    }
    // Untouched claims get past every check, so the success path is exercised as well.
    if rng.gen_bool(0.7) {
        mutate_json(rng, &mut claims, 3);
    }
    let payload = match rng.gen_range(0..10) {
        0 => random_bytes(rng, 40),
        _ => serde_json::to_vec(&claims).unwrap_or_default(),
    };
    sign(&base64url(header.as_bytes()), &base64url(&payload))
}

/// `header.payload.signature` with an HS256 signature under [`SECRET`].
pub fn sign(header: &str, payload: &str) -> String {
    let signing_input = format!("{header}.{payload}");
    let signature = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes())
        .map(|mac| mac.chain_update(signing_input.as_bytes()).finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!("{signing_input}.{}", base64url(&signature))
}

/// Unpadded base64url, as JWTs use it; written out to keep a codec crate out of the harness.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let bits = byte(0) << 16 | byte(1) << 8 | byte(2);
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64URL[(bits >> (18 - 6 * i) & 0x3f) as usize]));
        }
    }
    out
}
