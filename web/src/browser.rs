//! Small readers of browser state: clocks, randomness, storage, page context.

use crate::ids::Id128;
use crate::tracker::{PageEnv, Stored, Tracker};
use wasm_bindgen::JsValue;
use web_sys::{Storage, VisibilityState, Window};

/// `performance.now()` in ms (0 when unavailable).
pub fn now(w: &Window) -> f64 {
    w.performance().map_or(0.0, |p| p.now())
}

/// Wall-clock Unix time in ms.
pub fn wall() -> f64 {
    js_sys::Date::now()
}

/// 128 random bits from `crypto.getRandomValues` (through `getrandom`).
pub fn random_id() -> Id128 {
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

pub fn local_storage(w: &Window) -> Option<Storage> {
    w.local_storage().ok().flatten()
}

/// Reads the SDK's keys for `site`. Reading never writes.
pub fn read_stored(w: &Window, site: &str) -> Stored {
    let Some(s) = local_storage(w) else { return Stored::default() };
    let get = |name: &str| s.get_item(&Tracker::storage_key(site, name)).ok().flatten();
    Stored { consent: get("consent"), seed: get("seed"), session: get("session"), outbox: get("outbox"), ldp: get("ldp") }
}

pub fn page_env(w: &Window) -> PageEnv {
    let doc = w.document();
    let loc = w.location();
    PageEnv {
        href: loc.href().unwrap_or_default(),
        host: loc.hostname().unwrap_or_default(),
        referrer: doc.as_ref().map(|d| d.referrer()).unwrap_or_default(),
        user_agent: w.navigator().user_agent().unwrap_or_default(),
        visible: doc.as_ref().is_none_or(|d| d.visibility_state() == VisibilityState::Visible),
        focused: doc.as_ref().is_some_and(|d| d.has_focus().unwrap_or(false)),
    }
}

/// A JS `Error` named `name`, with `field` set when given.
pub fn js_error(name: &str, message: &str, field: Option<&str>) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name(name);
    if let Some(f) = field {
        let _ = js_sys::Reflect::set(&e, &"field".into(), &f.into());
    }
    e.into()
}
