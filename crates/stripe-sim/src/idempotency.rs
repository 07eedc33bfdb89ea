//! `Idempotency-Key` replay: the first response to a key is stored and replayed for the same
//! request; the same key with another method, path or body is an `idempotency_error`.

use std::collections::HashMap;

use crate::error::ApiError;

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
struct Entry {
    fingerprint: String,
    answer: Stored,
}

/// The answers given so far, by key.
#[derive(Debug, Default)]
pub struct IdempotencyStore {
    entries: HashMap<String, Entry>,
}

/// What identifies "the same request": method, path and the exact body.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    format!("{method} {path}\n{}", String::from_utf8_lossy(body))
}

impl IdempotencyStore {
    /// The stored answer for `key` when the request matches, an error when it does not, `None`
    /// when the key is new.
    pub fn replay(&self, key: &str, fingerprint: &str) -> Result<Option<Stored>, ApiError> {
        match self.entries.get(key) {
            Some(entry) if entry.fingerprint == fingerprint => Ok(Some(entry.answer.clone())),
            Some(_) => Err(ApiError::idempotency_mismatch(key)),
            None => Ok(None),
        }
    }

    /// Keeps `answer` for `key`. Stripe does not store requests refused by validation (400),
    /// so retrying those with the same key runs them again.
    pub fn remember(&mut self, key: &str, fingerprint: String, answer: Stored) {
        if answer.status != 400 {
            self.entries.insert(key.to_owned(), Entry { fingerprint, answer });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Stored {
        Stored { status: 200, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn the_same_request_replays_and_another_body_is_refused() {
        let mut store = IdempotencyStore::default();
        let first = fingerprint("POST", "/v1/customers", b"email=a%40b.test");
        store.remember("k1", first.clone(), ok("{\"id\":\"cus_1\"}"));

        assert_eq!(store.replay("k1", &first), Ok(Some(ok("{\"id\":\"cus_1\"}"))));
        let other = fingerprint("POST", "/v1/customers", b"email=c%40d.test");
        assert_eq!(store.replay("k1", &other).map_err(|e| e.error_type), Err(crate::error::ErrorType::Idempotency));
        assert_eq!(store.replay("k2", &other), Ok(None));
    }

    #[test]
    fn validation_failures_are_not_stored() {
        let mut store = IdempotencyStore::default();
        let request = fingerprint("POST", "/v1/customers", b"");
        store.remember("k1", request.clone(), Stored { status: 400, body: Vec::new() });

        assert_eq!(store.replay("k1", &request), Ok(None));
    }
}
