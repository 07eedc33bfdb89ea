//! Target: the `Stripe-Signature` header parser and `verify_signature`, fed random headers and
//! valid headers that were mutated or padded with junk entries.

use std::borrow::Cow;

use billing_stripe::{generate_test_header, parse_signature_header, verify_signature, WebhookSecret};
use chrono::{DateTime, Duration};
use rand::rngs::StdRng;
use rand::Rng;

use crate::corpus::Corpus;
use crate::harness::Target;
use crate::mutate::{lossy, mutate_bytes, random_bytes, random_text};

/// The characters headers are made of, weighted towards the ones the parser splits on.
const HEADER_ALPHABET: &[char] = &[',', ',', '=', '=', ' ', 't', 'v', '0', '1', '9', 'a', 'f', 'F', 'x', '-', '+', '.', 'é'];

/// Junk for the front of a header: it has no `t`, so it can never be taken for the timestamp.
const PREFIX_ALPHABET: &[char] = &[',', '=', ' ', 'v', '0', '1', 'a', 'f', 'x', '-', '+', 'é'];

/// Secrets of the shapes seen in configuration, and some that are not.
const SECRETS: &[&str] = &["whsec_fuzz-NOT-A-REAL-SECRET", "whsec_other", "", "k", "whsec_ünïcødé"];

/// One delivery to verify.
#[derive(Debug, Clone)]
pub struct SignatureInput {
    pub body: Vec<u8>,
    pub header: Option<String>,
    pub secrets: Vec<String>,
    pub now: i64,
    pub tolerance_secs: i64,
    /// Set when the header holds the body's valid signature, the first integer `t` is the signed
    /// one and "now" is that `t`, so verification must succeed whatever else the header holds.
    pub must_verify: bool,
}

/// The signature target over the fixture bodies.
#[derive(Debug)]
pub struct SignatureTarget<'a> {
    corpus: &'a Corpus,
}

impl<'a> SignatureTarget<'a> {
    pub fn new(corpus: &'a Corpus) -> Self {
        Self { corpus }
    }

    fn body(&self, rng: &mut StdRng) -> Vec<u8> {
        match self.corpus.pick(rng) {
            Some(fixture) if rng.gen_bool(0.5) => fixture.bytes.clone(),
            _ => random_bytes(rng, 256),
        }
    }
}

impl Target for SignatureTarget<'_> {
    type Input = SignatureInput;

    fn name(&self) -> &'static str {
        "signature-header"
    }

    fn generate(&self, rng: &mut StdRng) -> SignatureInput {
        let secret = SECRETS[rng.gen_range(0..SECRETS.len())].to_owned();
        let t = if rng.gen_bool(0.9) { rng.gen_range(0..5_000_000_000) } else { rng.gen() };
        let body = self.body(rng);
        let signed = generate_test_header(&body, &secret, t);
        let mut input = SignatureInput {
            body,
            header: None,
            secrets: vec![SECRETS[rng.gen_range(0..SECRETS.len())].to_owned(), secret],
            now: t.saturating_add(rng.gen_range(-400..=400)),
            tolerance_secs: 300,
            must_verify: false,
        };
        match rng.gen_range(0..10) {
            0 => input.header = None,
            1 | 2 => random_header(rng, &mut input),
            3..=5 => input.header = Some(mutated(rng, &signed)),
            6 | 7 => padded(rng, &mut input, &signed, t),
            _ => {
                input.header = Some(signed);
                mutate_bytes(rng, &mut input.body, 3);
            }
        }
        input
    }

    fn execute(&self, input: &SignatureInput) -> Cow<'static, str> {
        let secrets: Vec<WebhookSecret> = input.secrets.iter().map(|s| WebhookSecret::new(s.as_str())).collect();
        let now = DateTime::from_timestamp(input.now, 0).unwrap_or_default();
        let tolerance = Duration::try_seconds(input.tolerance_secs).unwrap_or_default();
        if let Some(header) = &input.header {
            let _ = parse_signature_header(header).map_err(|error| error.to_string());
        }
        let verdict = verify_signature(&input.body, input.header.as_deref(), &secrets, now, tolerance);
        assert!(!input.must_verify || verdict.is_ok(), "a valid signature among junk entries was refused: {verdict:?}");
        Cow::Borrowed(verdict.map_or_else(|error| error.code(), |_| "verified"))
    }

    fn dump(&self, input: &SignatureInput) -> String {
        let secrets: Vec<String> = input.secrets.iter().map(hex::encode).collect();
        format!(
            "body={} header={} secrets=[{}] now={} tolerance_secs={}",
            hex::encode(&input.body),
            input.header.as_ref().map_or_else(|| "none".to_owned(), hex::encode),
            secrets.join(","),
            input.now,
            input.tolerance_secs
        )
    }
}

/// A header of random text or bytes, with any clock and tolerance.
fn random_header(rng: &mut StdRng, input: &mut SignatureInput) {
    let header = if rng.gen_bool(0.7) { random_text(rng, HEADER_ALPHABET, 120) } else { lossy(&random_bytes(rng, 120)) };
    input.header = Some(header);
    input.now = rng.gen();
    input.tolerance_secs = rng.gen();
    input.secrets.truncate(rng.gen_range(0..=input.secrets.len()));
}

/// A valid header with its bytes mutated.
fn mutated(rng: &mut StdRng, signed: &str) -> String {
    let mut bytes = signed.as_bytes().to_vec();
    mutate_bytes(rng, &mut bytes, 4);
    lossy(&bytes)
}

/// A valid header with junk entries before (free of `t`) and after it, which must still verify.
fn padded(rng: &mut StdRng, input: &mut SignatureInput, signed: &str, t: i64) {
    let prefix = random_text(rng, PREFIX_ALPHABET, 40);
    let suffix = if rng.gen_bool(0.5) { random_text(rng, HEADER_ALPHABET, 60) } else { lossy(&random_bytes(rng, 60)) };
    let (t_entry, v1_entry) = signed.split_once(',').unwrap_or((signed, ""));
    let middle = random_text(rng, HEADER_ALPHABET, 30);
    input.header = Some(format!("{prefix},{t_entry},{middle},{v1_entry},{suffix}"));
    input.now = t;
    // Times outside chrono's range cannot be "now", so those headers are only checked for panics.
    input.must_verify = DateTime::from_timestamp(t, 0).is_some();
}
