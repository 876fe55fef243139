//! Small readers of browser state: clocks, randomness, errors for the page.

use iob_sdk::Id128;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/browser.js")]
extern "C" {
    /// 1 on a page with a `window`, 0 where there is none (see `js/browser.js`).
    #[wasm_bindgen(js_name = iobHasWindow)]
    pub(crate) fn has_window() -> u32;
    /// `setTimeout(callback, delay)`: the timer's id, 0 when none was set.
    #[wasm_bindgen(js_name = iobSetTimer)]
    pub(crate) fn set_timer(callback: &Closure<dyn FnMut()>, delay: f64) -> u32;
    /// `clearTimeout(id)`.
    #[wasm_bindgen(js_name = iobClearTimer)]
    pub(crate) fn clear_timer(id: u32);
    /// `performance.now()` in ms (0 when unavailable).
    #[wasm_bindgen(js_name = iobNow)]
    pub(crate) fn now() -> f64;
    /// A JS `Error` named `name`, with `field` set when given.
    #[wasm_bindgen(js_name = iobError)]
    pub(crate) fn js_error(name: &str, message: &str, field: Option<&str>) -> JsValue;
}

/// Wall-clock Unix time in ms.
pub(crate) fn wall() -> f64 {
    js_sys::Date::now()
}

/// Set once `crypto.getRandomValues` failed (see [`random_id`]).
static RANDOM_FAILED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// 128 random bits from `crypto.getRandomValues` (through `getrandom`).
/// Without Web Crypto it returns zeros and records the failure: the
/// instance then tells the core, which sends nothing and stores no
/// identifier (there is no weaker fallback such as `Math.random`).
pub(crate) fn random_id() -> Id128 {
    let mut id = [0u8; 16];
    if getrandom::fill(&mut id).is_err() {
        RANDOM_FAILED.store(true, core::sync::atomic::Ordering::Relaxed);
        id = [0; 16];
    }
    id
}

/// `true` once [`random_id`] could not draw secure random numbers.
pub(crate) fn random_failed() -> bool {
    RANDOM_FAILED.load(core::sync::atomic::Ordering::Relaxed)
}
