//! Small readers of browser state: clocks, randomness, errors for the page.

use iob_sdk::Id128;
use wasm_bindgen::JsValue;
use web_sys::Window;

/// `performance.now()` in ms (0 when unavailable).
pub(crate) fn now(w: &Window) -> f64 {
    w.performance().map_or(0.0, |p| p.now())
}

/// Wall-clock Unix time in ms.
pub(crate) fn wall() -> f64 {
    js_sys::Date::now()
}

/// 128 random bits from `crypto.getRandomValues` (through `getrandom`).
pub(crate) fn random_id() -> Id128 {
    let mut id = [0u8; 16];
    if getrandom::fill(&mut id).is_err() {
        // No Web Crypto: fall back to Math.random so ids stay distinct. They
        // are never derived from personal data either way.
        for b in id.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    id
}

/// A JS `Error` named `name`, with `field` set when given.
pub(crate) fn js_error(name: &str, message: &str, field: Option<&str>) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name(name);
    if let Some(f) = field {
        let _ = js_sys::Reflect::set(&e, &"field".into(), &f.into());
    }
    e.into()
}
