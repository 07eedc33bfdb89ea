//! The seed inputs: the Stripe event fixtures, read at start-up so new fixtures are picked up.

use std::io;
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;

/// One event fixture, as bytes and as parsed JSON.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub bytes: Vec<u8>,
    pub json: Value,
}

/// Every event envelope among the fixtures, in file-name order so runs are reproducible.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub events: Vec<Fixture>,
}

/// `fixtures/stripe` of the workspace this binary was built from.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stripe")
}

impl Corpus {
    /// A random fixture, or `None` when there is none.
    pub fn pick(&self, rng: &mut StdRng) -> Option<&Fixture> {
        self.events.get(rng.gen_range(0..self.events.len().max(1)))
    }

    /// Reads the `*.json` files of `dir` that are Stripe events (`"object": "event"`); the
    /// signature vectors beside them are not events and are skipped.
    ///
    /// # Errors
    /// When the directory cannot be read or holds no event fixture.
    pub fn load(dir: &Path) -> io::Result<Self> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<io::Result<_>>()?;
        paths.retain(|path| path.extension().is_some_and(|ext| ext == "json"));
        paths.sort();
        let mut events = Vec::new();
        for path in paths {
            let bytes = std::fs::read(&path)?;
            let Ok(json) = serde_json::from_slice::<Value>(&bytes) else { continue };
            if json.get("object").and_then(Value::as_str) == Some("event") {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                events.push(Fixture { name, bytes, json });
            }
        }
        if events.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("no Stripe event fixture in {}", dir.display())));
        }
        Ok(Self { events })
    }
}
