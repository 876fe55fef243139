//! What waits in the snippets (the drains of `js/browser.js`): the events
//! `js/listen.js` holds back (pointer moves, wheel, touch, keys, selection
//! changes and the scroll readings are read at once but handed to the SDK
//! in batches: a call into the wasm from a cold event costs tens of
//! microseconds, back-to-back calls about one), and the observers and load
//! times `js/observe.js` starts one task after `new Iob`. [`drain`] brings
//! them in; every entry point calls it first, so nothing is read or decided
//! before what came earlier. A leaf module: the entry points
//! (`instance`, `api`) use it without depending on the listeners.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/listen.js")]
extern "C" {
    /// Hands every deferred event to its SDK instance, in order, and starts
    /// the observers still waiting.
    #[wasm_bindgen(js_name = iobDrain)]
    fn iob_drain();
    /// Asks for a scroll reading at the next animation frame.
    #[wasm_bindgen(js_name = iobReadScroll)]
    fn iob_read_scroll();
}

/// Brings in what waits in the snippets, in order.
pub(crate) fn drain() {
    iob_drain();
}

/// Asks `js/listen.js` for a scroll reading at the next animation frame
/// (the first of a page view that a route change started); it comes in like
/// a pointer move.
pub(crate) fn read_scroll() {
    iob_read_scroll();
}
