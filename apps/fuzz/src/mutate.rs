//! Byte-level mutations and random inputs, as a coverage-blind fuzzer makes them.

use rand::rngs::StdRng;
use rand::Rng;

/// Fragments that tend to sit on parser boundaries: JSON punctuation and literals, numbers just
/// past the integer ranges, escapes of invalid code points, header punctuation, invalid UTF-8.
const TOKENS: &[&[u8]] = &[
    b"null",
    b"true",
    b"false",
    b"0",
    b"-1",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"18446744073709551616",
    b"1e999",
    b"-0.0",
    b"\"\"",
    b"{}",
    b"[]",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b"\\u0000",
    b"\\ud800",
    b"\\",
    b"=",
    b"t=",
    b"v1=",
    b".",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xf0\x9f\x98\x80",
];

/// Applies between one and `max_rounds` random mutations to `data`.
pub fn mutate_bytes(rng: &mut StdRng, data: &mut Vec<u8>, max_rounds: usize) {
    for _ in 0..rng.gen_range(1..=max_rounds.max(1)) {
        mutate_once(rng, data);
    }
}

fn mutate_once(rng: &mut StdRng, data: &mut Vec<u8>) {
    let len = data.len();
    if len == 0 {
        data.extend(random_bytes(rng, 8));
        return;
    }
    let at = rng.gen_range(0..len);
    let span = rng.gen_range(1..=(len - at).min(16));
    match rng.gen_range(0..8) {
        0 => flip_bit(rng, data, at),
        1 => {
            if let Some(byte) = data.get_mut(at) {
                *byte = rng.gen();
            }
        }
        2 => drop(data.drain(at..at + span)),
        3 => splice(data, at, &random_bytes(rng, 8)),
        4 => splice(data, at, token(rng)),
        5 => {
            let copy = data[at..at + span].to_vec();
            splice(data, rng.gen_range(0..=len), &copy);
        }
        6 => data.truncate(at),
        _ => data[at..at + span].reverse(),
    }
}

fn flip_bit(rng: &mut StdRng, data: &mut [u8], at: usize) {
    if let Some(byte) = data.get_mut(at) {
        *byte ^= 1 << rng.gen_range(0..8);
    }
}

fn splice(data: &mut Vec<u8>, at: usize, insert: &[u8]) {
    let at = at.min(data.len());
    data.splice(at..at, insert.iter().copied());
}

/// A random boundary fragment from the list above, to splice into an input.
pub fn token(rng: &mut StdRng) -> &'static [u8] {
    TOKENS[rng.gen_range(0..TOKENS.len())]
}

/// Up to `max_len` uniformly random bytes.
pub fn random_bytes(rng: &mut StdRng, max_len: usize) -> Vec<u8> {
    let len = rng.gen_range(0..=max_len);
    (0..len).map(|_| rng.gen()).collect()
}

/// Up to `max_len` characters drawn from `alphabet`, or from all of Unicode when it is empty.
pub fn random_text(rng: &mut StdRng, alphabet: &[char], max_len: usize) -> String {
    let len = rng.gen_range(0..=max_len);
    (0..len).map(|_| if alphabet.is_empty() { rng.gen::<char>() } else { alphabet[rng.gen_range(0..alphabet.len())] }).collect()
}

/// Bytes as text the way a web framework would hand over a header it could not decode strictly.
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
