//! `localStorage` for the SDK's keys: reads at start-up, and the writes and
//! removals the core decides. Nothing here throws: disabled storage or a
//! full quota reads as absent and writes as nothing.

use alloc::string::String;
use iob_sdk::{Stored, Tracker};
use web_sys::{Storage, Window};

fn local(w: &Window) -> Option<Storage> {
    w.local_storage().ok().flatten()
}

/// `localStorage` can be used on this page (not disabled, not a sandboxed frame).
pub(crate) fn available(w: &Window) -> bool {
    local(w).is_some()
}

/// The value under `key`, if any.
pub(crate) fn read(w: &Window, key: &str) -> Option<String> {
    local(w)?.get_item(key).ok().flatten()
}

/// Reads the SDK's keys for `site`. Reading never writes.
pub(crate) fn read_stored(w: &Window, site: &str) -> Stored {
    let Some(s) = local(w) else {
        return Stored::default();
    };
    let get = |name: &str| s.get_item(&Tracker::storage_key(site, name)).ok().flatten();
    Stored {
        consent: get("consent"),
        seed: get("seed"),
        session: get("session"),
        outbox: get("outbox"),
        ldp: get("ldp"),
    }
}

pub(crate) fn write(w: &Window, key: &str, value: &str) {
    if let Some(s) = local(w) {
        let _ = s.set_item(key, value);
    }
}

pub(crate) fn remove(w: &Window, key: &str) {
    if let Some(s) = local(w) {
        let _ = s.remove_item(key);
    }
}
