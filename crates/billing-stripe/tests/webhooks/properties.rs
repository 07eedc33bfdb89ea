use billing_stripe::{generate_test_header, parse_signature_header, verify_signature, Form, SignatureError, WebhookSecret};
use chrono::{DateTime, Duration};
use proptest::prelude::*;

/// Header-like text: plausible items mixed with noise.
fn header_like() -> impl Strategy<Value = String> {
    let item = prop_oneof![
        any::<i64>().prop_map(|t| format!("t={t}")),
        "[0-9a-f]{0,70}".prop_map(|h| format!("v1={h}")),
        "[0-9a-f]{64}".prop_map(|h| format!("v0={h}")),
        "[a-z0-9=]{0,10}",
        ".{0,12}",
    ];
    prop::collection::vec(item, 0..6).prop_map(|items| items.join(","))
}

/// One header entry that cannot be taken for an integer `t`: empty, without `=`, an unknown
/// key, a malformed `t`, a `v0`, or a `v1` that is malformed or signs something else.
fn junk_entry() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[^,=]{0,12}",
        "[^,]{0,24}".prop_filter("an entry that may be a t", |e| !e.trim().starts_with("t=")),
        "[a-z_ .+-]{0,8}".prop_map(|v| format!("t={v}")),
        "[^,]{0,70}".prop_map(|v| format!("v1={v}")),
        "[0-9a-f]{64}".prop_map(|h| format!("v1={h}")),
        "[0-9a-f]{64}".prop_map(|h| format!("v0={h}")),
    ]
}

/// Junk entries, possibly none.
fn junk(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(junk_entry(), 0..max)
}

/// Text made of the header's own punctuation, keys and hex, mixed with any printable text.
fn header_noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![Just(","), Just("="), Just(" "), Just("t"), Just("v1"), Just("v0")].prop_map(str::to_owned);
    let piece = prop_oneof![piece, "[0-9a-fA-F]{1,66}", "-?[0-9]{1,20}", "\\PC{0,4}"];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// A model of a form: what the encoder is given, to count the pairs it must produce.
#[derive(Debug, Clone)]
enum Tree {
    Leaf(String, String),
    Map(String, Vec<Tree>),
    Items(String, Vec<Vec<Tree>>),
    Array(String, Vec<String>),
}

fn build(trees: &[Tree]) -> Form {
    trees.iter().fold(Form::new(), |form, tree| match tree {
        Tree::Leaf(k, v) => form.text(k.as_str(), v.as_str()),
        Tree::Map(k, inner) => form.map(k.as_str(), build(inner)),
        Tree::Items(k, items) => form.items(k.as_str(), items.iter().map(|item| build(item)).collect()),
        Tree::Array(k, values) => form.array(k.as_str(), values.iter().map(String::as_str)),
    })
}

fn leaves(trees: &[Tree]) -> usize {
    trees
        .iter()
        .map(|tree| match tree {
            Tree::Leaf(..) => 1,
            Tree::Map(_, inner) => leaves(inner),
            Tree::Items(_, items) => items.iter().map(|item| leaves(item)).sum(),
            Tree::Array(_, values) => values.len(),
        })
        .sum()
}

/// Arbitrary form models of arbitrary keys and values, a few levels deep.
fn trees() -> impl Strategy<Value = Vec<Tree>> {
    let leaf = (".{0,8}", ".{0,8}").prop_map(|(k, v)| Tree::Leaf(k, v));
    let tree = leaf.prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            (".{0,6}", prop::collection::vec(inner.clone(), 0..4)).prop_map(|(k, t)| Tree::Map(k, t)),
            (".{0,6}", prop::collection::vec(prop::collection::vec(inner, 0..3), 0..3)).prop_map(|(k, t)| Tree::Items(k, t)),
            (".{0,6}", prop::collection::vec(".{0,6}", 0..3)).prop_map(|(k, v)| Tree::Array(k, v)),
        ]
    });
    prop::collection::vec(tree, 0..5)
}

proptest! {
    #[test]
    fn the_header_parser_never_panics(raw in ".{0,200}") {
        let _ = parse_signature_header(&raw);
    }

    #[test]
    fn the_header_parser_never_panics_on_header_like_text(raw in header_like()) {
        let _ = parse_signature_header(&raw);
    }

    #[test]
    fn verification_never_panics(body in prop::collection::vec(any::<u8>(), 0..64), raw in header_like(), now in -1_000_000_000_000_i64..1_000_000_000_000) {
        let now = DateTime::from_timestamp(now, 0).unwrap();
        let _ = verify_signature(&body, Some(&raw), &[WebhookSecret::new("whsec_x")], now, Duration::seconds(300));
    }

    #[test]
    fn the_form_encoder_never_panics_and_yields_one_pair_per_leaf(model in trees()) {
        let pairs = build(&model).to_pairs();

        prop_assert_eq!(pairs.len(), leaves(&model));
        let mut rest = pairs.iter();
        for tree in &model {
            let produced: Vec<(String, String)> = rest.by_ref().take(leaves(std::slice::from_ref(tree))).cloned().collect();
            match tree {
                Tree::Leaf(k, v) => prop_assert_eq!(produced, vec![(k.clone(), v.clone())]),
                Tree::Map(k, _) | Tree::Items(k, _) | Tree::Array(k, _) => {
                    let nested = format!("{k}[");
                    prop_assert!(produced.iter().all(|(name, _)| name.starts_with(&nested)));
                }
            }
        }
    }

    #[test]
    fn verify_accepts_what_sign_produced(body in prop::collection::vec(any::<u8>(), 0..512), secret in ".{0,40}", t in 0_i64..10_000_000_000) {
        let header = generate_test_header(&body, &secret, t);
        let now = DateTime::from_timestamp(t, 0).unwrap();

        let verified = verify_signature(&body, Some(&header), &[WebhookSecret::new(secret)], now, Duration::seconds(300));

        prop_assert_eq!(verified.map(|v| v.timestamp), Ok(t));
    }

    #[test]
    fn verification_never_panics_on_any_header_secrets_or_tolerance(
        body in prop::collection::vec(any::<u8>(), 0..64),
        raw in header_noise(),
        secrets in prop::collection::vec(".{0,8}", 0..3),
        now in any::<i64>(),
        tolerance in any::<i64>(),
    ) {
        let now = DateTime::from_timestamp(now, 0).unwrap_or_default();
        let tolerance = Duration::try_seconds(tolerance).unwrap_or_default();
        let secrets: Vec<WebhookSecret> = secrets.into_iter().map(WebhookSecret::new).collect();

        let _ = verify_signature(&body, Some(&raw), &secrets, now, tolerance);
    }

    #[test]
    fn junk_entries_around_a_valid_t_and_v1_do_not_stop_verification(
        body in prop::collection::vec(any::<u8>(), 0..256),
        secret in ".{0,20}",
        t in 0_i64..10_000_000_000,
        (first, middle, last) in (junk(4), junk(4), junk(4)),
        later_t in prop::option::of(any::<i64>()),
        v1_first in any::<bool>(),
    ) {
        let signed = generate_test_header(&body, &secret, t);
        let (t_entry, v1_entry) = signed.split_once(',').unwrap();
        let (a, b) = if v1_first { (v1_entry, t_entry) } else { (t_entry, v1_entry) };
        // A second integer `t` may only follow the signed one: the first integer `t` is used.
        let tail = last.into_iter().chain(later_t.map(|x| format!("t={x}")));
        let entries: Vec<String> = first.into_iter().chain([a.to_owned()]).chain(middle).chain([b.to_owned()]).chain(tail).collect();
        let header = entries.join(",");
        let now = DateTime::from_timestamp(t, 0).unwrap();

        let verified = verify_signature(&body, Some(&header), &[WebhookSecret::new(secret)], now, Duration::seconds(300));

        prop_assert_eq!(verified.map(|v| v.timestamp), Ok(t), "{}", header);
    }

    #[test]
    fn verify_rejects_a_changed_body(body in prop::collection::vec(any::<u8>(), 1..256), index in any::<prop::sample::Index>(), secret in ".{1,40}", t in 0_i64..10_000_000_000) {
        let header = generate_test_header(&body, &secret, t);
        let mut tampered = body.clone();
        tampered[index.index(body.len())] ^= 0x80;
        let now = DateTime::from_timestamp(t, 0).unwrap();

        let verified = verify_signature(&tampered, Some(&header), &[WebhookSecret::new(secret)], now, Duration::seconds(300));

        prop_assert_eq!(verified, Err(SignatureError::NoMatchingSignature));
    }
}
