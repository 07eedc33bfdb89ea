//! The harness itself: a short run of every target, panic capture, reproducibility, and checks
//! that the generated inputs reach past the first rejection of the code under test.

#![allow(clippy::unwrap_used)]

use std::borrow::Cow;

use billing_core::ports::EventDecoder;
use billing_fuzz::harness::case_rng;
use billing_fuzz::json::mutate_json;
use billing_fuzz::targets::{base64url, sign, SignatureTarget};
use billing_fuzz::{corpus, run, run_target, Cases, Corpus, Target, TargetName};
use billing_server::auth::{TokenAuthority, TokenPolicy};
use billing_stripe::StripeEventDecoder;
use chrono::DateTime;
use rand::rngs::StdRng;
use rand::Rng;
use secrecy::SecretString;
use serde_json::json;

fn corpus() -> Corpus {
    Corpus::load(&corpus::default_dir()).unwrap()
}

#[test]
fn every_target_runs_two_thousand_cases_without_a_panic() {
    let corpus = corpus();
    for name in TargetName::ALL {
        let report = run_target(name, &corpus, Cases { seed: 7, start: 0, count: 2_000 });

        let findings: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
        assert_eq!((report.cases, report.panics), (2_000, 0), "{}", findings.join("\n"));
    }
}

/// A target that panics on inputs divisible by seven, to watch the harness catch it.
struct PanicsOnSevens;

impl Target for PanicsOnSevens {
    type Input = u8;

    fn name(&self) -> &'static str {
        "sevens"
    }

    fn generate(&self, rng: &mut StdRng) -> u8 {
        rng.gen()
    }

    fn execute(&self, input: &u8) -> Cow<'static, str> {
        assert!(input % 7 != 0, "seven divides {input}");
        Cow::Borrowed("fine")
    }

    fn dump(&self, input: &u8) -> String {
        format!("{input:02x}")
    }
}

#[test]
fn a_panic_is_reported_with_its_case_and_input_and_the_run_goes_on() {
    let report = run(&PanicsOnSevens, Cases { seed: 3, start: 0, count: 200 });

    let expected: Vec<u64> = (0..200).filter(|&case| PanicsOnSevens.generate(&mut case_rng(3, "sevens", case)) % 7 == 0).collect();
    assert_eq!(report.cases, 200);
    assert_eq!(report.panics, expected.len() as u64);
    assert_eq!(report.outcomes.get("fine"), Some(&(200 - report.panics)));
    let first = &report.findings[0];
    assert_eq!((first.target, first.seed, first.case), ("sevens", 3, expected[0]));
    let input = u8::from_str_radix(&first.input_hex, 16).unwrap();
    assert_eq!(input % 7, 0);
    assert!(first.message.contains(&format!("seven divides {input}")), "{}", first.message);
    assert!(report.findings.len() <= billing_fuzz::harness::KEPT_FINDINGS);
}

#[test]
fn one_case_replays_the_input_of_the_full_run_and_another_seed_differs() {
    let corpus = corpus();
    let target = SignatureTarget::new(&corpus);
    let dump = |seed: u64, case: u64| target.dump(&target.generate(&mut case_rng(seed, target.name(), case)));

    let full_run: Vec<String> = (0..20).map(|case| dump(11, case)).collect();

    assert_eq!(dump(11, 13), full_run[13]);
    assert_ne!(dump(12, 13), full_run[13]);
    assert_ne!(full_run[12], full_run[13]);
}

#[test]
fn base64url_matches_the_rfc_4648_examples_without_padding() {
    let encoded: Vec<String> = ["", "f", "fo", "foo", "foob", "fooba", "foobar"].iter().map(|s| base64url(s.as_bytes())).collect();

    assert_eq!(encoded, ["", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"]);
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
}

#[test]
fn a_token_the_harness_signs_is_accepted_by_the_server() {
    let authority = TokenAuthority::new(Some(SecretString::from(billing_fuzz::targets::TOKEN_SECRET)), TokenPolicy::default());
    let claims = json!({"sub": "user_1", "org_id": "org_42", "role": "owner", "exp": 2_000_000_000});

    let token = sign(&base64url(br#"{"alg":"HS256","typ":"JWT"}"#), &base64url(claims.to_string().as_bytes()));

    let user = authority.verify(&token, DateTime::from_timestamp(1_900_000_000, 0).unwrap()).unwrap();
    assert_eq!(user.user_id, "user_1");
}

#[test]
fn node_mutations_of_the_fixtures_both_pass_and_fail_decoding() {
    let corpus = corpus();
    let (mut decoded, mut refused) = (0, 0);
    for case in 0..300 {
        let mut rng = case_rng(5, "node-mutations", case);
        let mut event = corpus.events[case as usize % corpus.events.len()].json.clone();

        mutate_json(&mut rng, event.pointer_mut("/data/object").unwrap(), 1);

        match StripeEventDecoder.decode(&serde_json::to_vec(&event).unwrap()) {
            Ok(_) => decoded += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(decoded > 30 && refused > 30, "decoded {decoded}, refused {refused}");
}

#[test]
fn the_corpus_holds_every_event_fixture_and_none_of_the_vector_files() {
    let names: Vec<String> = corpus().events.into_iter().map(|fixture| fixture.name).collect();

    assert_eq!(names.len(), 16, "{names:?}");
    assert!(names.contains(&"invoice.paid.json".to_owned()));
    assert!(!names.iter().any(|name| name == "signatures.json" || name == "sdk_vectors.json"));
}
