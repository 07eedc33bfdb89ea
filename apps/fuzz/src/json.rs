//! Structure-aware JSON mutations: the document stays JSON, but a node changes type, vanishes,
//! gains a sibling or takes an extreme value, so the input gets past the parser into the code
//! that reads fields.

use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Map, Value};

use crate::mutate::random_text;

/// How likely the walk to a random node stops at each level; low enough to reach the fields of
/// `data.object` (three to six levels down) often.
const STOP_PROBABILITY: f64 = 0.2;

/// Keys the decoders look for, so inserted keys sometimes mean something.
const KEYS: &[&str] = &[
    "id",
    "object",
    "type",
    "created",
    "data",
    "customer",
    "subscription",
    "metadata",
    "org_id",
    "client_reference_id",
    "items",
    "price",
    "plan",
    "status",
    "currency",
    "amount_paid",
    "amount_due",
    "amount_refunded",
    "current_period_start",
    "current_period_end",
    "parent",
    "request",
    "exp",
    "role",
    "sub",
];

/// Strings that are almost ids, ids of the wrong kind, or not text a parser expects.
const STRINGS: &[&str] = &[
    "",
    " ",
    "evt_",
    "org_42",
    "org_",
    "cus_test_Pq7Yb2WmXc41Ka",
    "sub_x",
    "in_x",
    "price_x",
    "cs_x",
    "ch_x",
    "usd",
    "USD",
    "zzz",
    "a/b",
    "../",
    "%00",
    "\u{0}",
    "\u{feff}",
    "é",
    "owner",
    "member",
    "active",
    "canceled",
    "invoice.paid",
];

/// Integers at the ends of `i64`, and timestamps just outside the years 0 and 9999.
const EXTREME_INTEGERS: [i64; 7] = [i64::MIN, i64::MAX, -1, 0, 1, 253_402_300_800, -62_167_219_201];

/// Applies between one and `max_rounds` mutations to `root`.
pub fn mutate_json(rng: &mut StdRng, root: &mut Value, max_rounds: usize) {
    for _ in 0..rng.gen_range(1..=max_rounds.max(1)) {
        let pointer = random_pointer(rng, root);
        if let Some(node) = root.pointer_mut(&pointer) {
            mutate_node(rng, node);
        }
    }
}

/// The JSON pointer of a random node, found by walking down from the root.
fn random_pointer(rng: &mut StdRng, root: &Value) -> String {
    let mut pointer = String::new();
    let mut node = root;
    loop {
        let next = match node {
            Value::Object(map) if !map.is_empty() && !rng.gen_bool(STOP_PROBABILITY) => {
                map.iter().nth(rng.gen_range(0..map.len())).map(|(key, child)| (key.replace('~', "~0").replace('/', "~1"), child))
            }
            Value::Array(items) if !items.is_empty() && !rng.gen_bool(STOP_PROBABILITY) => {
                let index = rng.gen_range(0..items.len());
                items.get(index).map(|child| (index.to_string(), child))
            }
            _ => None,
        };
        match next {
            Some((step, child)) => {
                pointer.push('/');
                pointer.push_str(&step);
                node = child;
            }
            None => return pointer,
        }
    }
}

fn mutate_node(rng: &mut StdRng, node: &mut Value) {
    match (rng.gen_range(0..6), node) {
        (0, Value::Object(map)) if !map.is_empty() => {
            let key = map.keys().nth(rng.gen_range(0..map.len())).cloned().unwrap_or_default();
            map.remove(&key);
        }
        (1, Value::Object(map)) => {
            map.insert(KEYS[rng.gen_range(0..KEYS.len())].to_owned(), interesting_value(rng));
        }
        (0 | 1, Value::Array(items)) if !items.is_empty() => {
            let index = rng.gen_range(0..items.len());
            items.remove(index);
        }
        (2, Value::Array(items)) => items.push(interesting_value(rng)),
        (_, node) => *node = interesting_value(rng),
    }
}

/// A value of a random type, often an extreme one.
pub fn interesting_value(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..12) {
        0 => Value::Null,
        1 => Value::Bool(rng.gen()),
        2 => Value::from(EXTREME_INTEGERS[rng.gen_range(0..EXTREME_INTEGERS.len())]),
        3 => json!(u64::MAX),
        4 => json!(rng.gen::<i64>()),
        5 => Value::from([0.5, -1e300, 1e300, -0.0][rng.gen_range(0..4)]),
        6 => json!(STRINGS[rng.gen_range(0..STRINGS.len())]),
        7 => json!(random_text(rng, &[], 12)),
        8 => json!("x".repeat(rng.gen_range(0..5_000))),
        9 => Value::Array((0..rng.gen_range(0..3)).map(|_| json!(STRINGS[rng.gen_range(0..STRINGS.len())])).collect()),
        10 => Value::Object(Map::new()),
        _ => nested(rng.gen_range(1..200)),
    }
}

/// Arrays nested `depth` deep, around the parser's recursion limit of 128.
fn nested(depth: usize) -> Value {
    (0..depth).fold(Value::Null, |inner, _| Value::Array(vec![inner]))
}
