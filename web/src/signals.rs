//! Consent signal readers, set up by `js/signals.js` (GPC, DNT, IAB TCF,
//! Google Consent Mode). The JS only reads and reports raw values as flat
//! JSON; every decision is made in the core by
//! [`iob_sdk::signals_from_readings`] (through `Tracker::on_signal_readings`), which is tested natively. A changed
//! consent takes effect in the same task: a withdrawal wipes storage and
//! drops the queue before anything else runs.

use crate::browser;
use crate::handle::Attachment;
use crate::instance::{act_weak, Inner, Shared};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

/// A reading: its JSON is the text (`None` is no reading); the numbers are 0.
pub(crate) type Report = crate::browser::Callback;

#[wasm_bindgen(module = "/js/signals.js")]
extern "C" {
    /// Starts the readers (see `js/signals.js`); returns the function that
    /// stops polling, removes the TCF listener and restores `dataLayer.push`.
    #[wasm_bindgen(js_name = iobSignals)]
    fn iob_signals(
        vendor: u32,
        timeout_ms: u32,
        report: &Closure<Report>,
    ) -> crate::browser::Function;
}

/// Applies one reading. Returns `true` when the purposes in effect changed.
pub(crate) fn apply(i: &mut Inner, json: &str) -> bool {
    i.tracker.on_signal_readings(json, browser::wall())
}

/// Starts the readers. Their first reading arrives synchronously, before
/// anything is sent or stored, and is applied to `i` directly (the caller
/// carries out the effects with the rest of start-up); later readings act on
/// the instance and notify `consent` subscribers.
pub(crate) fn attach(shared: &Shared, i: &mut Inner) -> Attachment {
    let weak = Rc::downgrade(shared);
    // A `Cell`, not a `RefCell`: no borrow that could panic.
    let first: Rc<core::cell::Cell<Vec<String>>> = Rc::default();
    let during_start = Rc::downgrade(&first);
    let report: Closure<Report> = Closure::new(move |_, _, _, _, _, _, json: Option<String>| {
        let Some(json) = json else { return };
        if let Some(readings) = during_start.upgrade() {
            // Still inside `attach`: keep the reading for it, in order.
            let mut all = readings.take();
            all.push(json);
            readings.set(all);
            return;
        }
        act_weak(&weak, |i| {
            if apply(i, &json) {
                i.notify_consent();
            }
        });
    });
    let (vendor, timeout) = (
        i.tracker.config().tcf_vendor_id.unwrap_or(0),
        i.tracker.config().tcf_timeout_ms,
    );
    let attachment = Attachment::new(report, |r| iob_signals(vendor, timeout, r));
    for json in first.take() {
        apply(i, &json);
    }
    attachment
}
