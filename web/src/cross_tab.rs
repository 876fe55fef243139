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
use iob_sdk::Tracker;
use wasm_bindgen::prelude::*;

/// A changed key (without the prefix) and its new value (`None`: removed).
pub(crate) type Report = crate::handle::TextReport;

#[wasm_bindgen(module = "/js/cross-tab.js")]
extern "C" {
    /// Adds the `storage` listener for keys starting with `prefix` (see
    /// `js/cross-tab.js`); returns the function that removes it.
    #[wasm_bindgen(js_name = iobStorageEvents, catch)]
    fn iob_storage_events(
        prefix: &str,
        report: &Closure<Report>,
    ) -> Result<crate::browser::Function, JsValue>;
}

/// Listens for other tabs' changes to the SDK keys of `site`.
pub(crate) fn attach(shared: &Shared, site: &str) -> Attachment<Report> {
    let weak = Rc::downgrade(shared);
    let prefix = Tracker::storage_key(site, "");
    let key_prefix = prefix.clone();
    let report: Closure<Report> = Closure::new(move |name: String, written: Option<String>| {
        act_weak(&weak, |i| {
            let mut key = key_prefix.clone();
            key.push_str(&name);
            let current = storage::read(&key);
            let now = i.now();
            if i.tracker.on_storage_change(
                &name,
                written.as_deref(),
                current.as_deref(),
                now,
                browser::wall(),
            ) {
                i.notify_consent();
            }
        })
    });
    Attachment::new(report, |r| iob_storage_events(&prefix, r))
}
