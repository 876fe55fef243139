//! Other tabs of the site: `js/cross-tab.js` listens (passively) for their
//! changes to the SDK's `localStorage` keys and reports the key's name and
//! the value written; with the value the key holds now (read here), the
//! core decides what a change means (`Tracker::on_storage_change`: the
//! shared outbox today). Dropping the attachment (`shutdown()`) removes the
//! listener.

use crate::handle::Attachment;
use crate::instance::{act_weak, Shared};
use crate::{browser, storage};
use alloc::rc::Rc;
use alloc::string::String;
use iob_sdk::{split, Tracker};
use wasm_bindgen::prelude::*;

/// A changed key: the first number is 1 when a value was written (0: the key
/// was removed), the text is the key's name without the prefix, a NUL and
/// the new value (empty when removed).
pub(crate) type Report = crate::browser::Callback;

#[wasm_bindgen(module = "/js/cross-tab.js")]
extern "C" {
    /// Adds the `storage` listener for keys starting with `prefix` (see
    /// `js/cross-tab.js`); returns the function that removes it.
    #[wasm_bindgen(js_name = iobStorageEvents)]
    fn iob_storage_events(prefix: &str, report: &Closure<Report>) -> crate::browser::Function;
}

/// Listens for other tabs' changes to the SDK keys of `site`.
pub(crate) fn attach(shared: &Shared, site: &str) -> Attachment {
    let weak = Rc::downgrade(shared);
    let prefix = Tracker::storage_key(site, "");
    let key_prefix = prefix.clone();
    let report: Closure<Report> = Closure::new(
        move |was_written: u32, _, _, _, _, _, text: Option<String>| {
            let text = text.unwrap_or_default();
            // The name ends at the first NUL (the core's byte split: a `char`
            // pattern links a second copy of core's char searcher into the shell).
            let (name, value) = split::once(&text, 0).unwrap_or((&text, ""));
            let written = (was_written == 1).then_some(value);
            act_weak(&weak, |i| {
                let mut key = key_prefix.clone();
                key.push_str(name);
                let current = storage::read(&key);
                let now = i.now();
                if i.tracker.on_storage_change(
                    name,
                    written,
                    current.as_deref(),
                    now,
                    browser::wall(),
                ) {
                    i.notify_consent();
                }
            })
        },
    );
    Attachment::new(report, |r| iob_storage_events(&prefix, r))
}
