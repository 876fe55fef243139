//! The events `js/listen.js` holds back: pointer moves are read at once but
//! handed to the SDK in batches (a call into the wasm from a cold event costs
//! tens of microseconds, back-to-back calls about one). [`drain`] brings them
//! in; every entry point calls it first, so nothing is read or decided
//! before the events that came earlier. A leaf module: the entry points
//! (`instance`, `api`) use it without depending on the listeners.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/listen.js")]
extern "C" {
    /// Hands every deferred event to its SDK instance, in order.
    #[wasm_bindgen(js_name = iobDrain, catch)]
    fn iob_drain() -> Result<(), JsValue>;
}

/// Brings in the pointer moves waiting in `js/listen.js`, in order.
pub(crate) fn drain() {
    let _ = iob_drain();
}
