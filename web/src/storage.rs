//! `localStorage` for the SDK's keys: reads at start-up, and the writes and
//! removals the core decides, through `js/storage.js` (one import). Nothing
//! here throws: disabled storage or a full quota reads as absent and writes
//! as nothing.

use crate::codes::{LAST_WORDS, STORAGE_AVAILABLE, STORAGE_READ, STORAGE_REMOVE, STORAGE_WRITE};
use alloc::string::String;
use iob_sdk::{Stored, Tracker};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/storage.js")]
extern "C" {
    /// Does `op` on `key`: the value read, `Some("")` once storage is
    /// usable, `None` when the key is absent or storage cannot be used.
    #[wasm_bindgen(js_name = iobStorage)]
    fn storage(op: u32, key: &str, value: &str) -> Option<String>;
}

/// `localStorage` can be used on this page (not disabled, not a sandboxed frame).
pub(crate) fn available() -> bool {
    storage(STORAGE_AVAILABLE, "", "").is_some()
}

/// The value under `key`, if any.
pub(crate) fn read(key: &str) -> Option<String> {
    storage(STORAGE_READ, key, "")
}

/// Reads the SDK's keys for `site`, the last-words keys (`outbox.<pv>`)
/// included. Reading never writes.
pub(crate) fn read_stored(site: &str) -> Stored {
    let get = |name: &str| read(&Tracker::storage_key(site, name));
    let prefix = Tracker::storage_key(site, "");
    let last_words = storage(LAST_WORDS, &prefix, "").unwrap_or_default();
    Stored {
        consent: get("consent"),
        seed: get("seed"),
        session: get("session"),
        outbox: get("outbox"),
        ldp: get("ldp"),
        last_words,
    }
}

pub(crate) fn write(key: &str, value: &str) {
    storage(STORAGE_WRITE, key, value);
}

pub(crate) fn remove(key: &str) {
    storage(STORAGE_REMOVE, key, "");
}
