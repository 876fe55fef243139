//! Small readers of browser state: clocks, randomness, JSON, errors for the
//! page, the one JS type the shell calls (a function) and the one closure
//! type JS calls back.

use alloc::string::String;
use iob_sdk::Id128;
use wasm_bindgen::prelude::*;

/// The one signature of every Rust callback a JS file calls: a kind (or an
/// index), four numbers, a number of bits and an optional text. Each user
/// says what the arguments mean (`listeners::Handler`, `observers::Report`,
/// `signals::Report`, `cross_tab::Report`, `transport::OnResult`, the
/// delivery timer). One closure type, so the wasm and its glue carry one
/// closure shim. The JS passes all seven arguments: a debug build's glue
/// checks each number.
pub(crate) type Callback = dyn FnMut(u32, f64, f64, f64, f64, u32, Option<String>);

#[wasm_bindgen]
extern "C" {
    /// A JS function the page or a JS file handed the shell (the facade's
    /// `emit`, a detach function). Declared here rather than taken from
    /// js-sys: the shell needs nothing else from it. Neither throws, so the
    /// calls below do not catch; no import of the shell does: each JS
    /// function it calls catches its own failures (`attached` in
    /// `js/browser.js`), which keeps a catching wrapper out of the glue and
    /// an exception slot out of the wasm. An exception through the wasm
    /// would leave the instance borrowed, and so unusable.
    #[wasm_bindgen(typescript_type = "Function")]
    #[derive(Clone)]
    pub type Function;
    /// `f.call(null)`.
    #[wasm_bindgen(method, js_name = call)]
    pub(crate) fn call0(this: &Function, ctx: &JsValue);
    /// `f.call(null, a, b)` with two strings.
    #[wasm_bindgen(method, js_name = call)]
    pub(crate) fn call2(this: &Function, ctx: &JsValue, a: &str, b: &str);
    /// Wall-clock Unix time in ms (`Date.now()`).
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub(crate) fn wall() -> f64;
}

#[wasm_bindgen(module = "/js/browser.js")]
extern "C" {
    /// 1 on a page with a `window`, 0 where there is none (see `js/browser.js`).
    #[wasm_bindgen(js_name = iobHasWindow)]
    pub(crate) fn has_window() -> u32;
    /// `setTimeout` calling `callback` with zeros and no text after `delay`
    /// ms: the timer's id, 0 when none was set.
    #[wasm_bindgen(js_name = iobSetTimer)]
    pub(crate) fn set_timer(callback: &Closure<Callback>, delay: f64) -> u32;
    /// `clearTimeout(id)`.
    #[wasm_bindgen(js_name = iobClearTimer)]
    pub(crate) fn clear_timer(id: u32);
    /// `performance.now()` in ms (0 when unavailable).
    #[wasm_bindgen(js_name = iobNow)]
    pub(crate) fn now() -> f64;
    /// Fills `bytes` from `crypto.getRandomValues`: 1, or 0 when Web Crypto
    /// is missing or throws (`bytes` then unchanged).
    #[wasm_bindgen(js_name = iobRandom)]
    fn fill_random(bytes: &mut [u8]) -> u32;
    /// A JS `Error` named `name`, with `field` set when given.
    #[wasm_bindgen(js_name = iobError)]
    pub(crate) fn js_error(name: &str, message: &str, field: Option<&str>) -> JsValue;
}

#[wasm_bindgen(module = "/js/flat.js")]
extern "C" {
    /// The platform's `JSON.parse` of a JSON object, as pairs text (see
    /// `iob_sdk`'s `JsonPairs`): `None` when `json` is not JSON.
    #[wasm_bindgen(js_name = iobPairs)]
    pub(crate) fn json_pairs(json: &str) -> Option<String>;
}

/// Set once `crypto.getRandomValues` failed (see [`random_id`]).
static RANDOM_FAILED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// 128 random bits from `crypto.getRandomValues`.
/// Without Web Crypto it returns zeros and records the failure: the
/// instance then tells the core, which sends nothing and stores no
/// identifier (there is no weaker fallback such as `Math.random`).
pub(crate) fn random_id() -> Id128 {
    let mut id = [0u8; 16];
    if fill_random(&mut id) == 0 {
        RANDOM_FAILED.store(true, core::sync::atomic::Ordering::Relaxed);
        id = [0; 16];
    }
    id
}

/// `true` once [`random_id`] could not draw secure random numbers.
pub(crate) fn random_failed() -> bool {
    RANDOM_FAILED.load(core::sync::atomic::Ordering::Relaxed)
}
