//! Carries out the core's decisions: sending payloads and touching storage.

use crate::tracker::Effect;
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;
use web_sys::{RequestInit, Window};

/// Executes `effects` in order. `on_sent` receives each payload body that went out.
pub fn run(w: &Window, endpoint: &str, ignore: &Closure<dyn FnMut(JsValue)>, effects: Vec<Effect>, on_sent: &mut dyn FnMut(String)) {
    for e in effects {
        match e {
            Effect::Send(body) => {
                send(w, endpoint, &body, ignore);
                on_sent(body);
            }
            Effect::Store { key, value } => {
                if let Some(s) = super::browser::local_storage(w) {
                    // A full quota or disabled storage must not break the page.
                    let _ = s.set_item(&key, &value);
                }
            }
            Effect::Remove(key) => {
                if let Some(s) = super::browser::local_storage(w) {
                    let _ = s.remove_item(&key);
                }
            }
        }
    }
}

/// `sendBeacon` with a `text/plain` body (no CORS preflight); when the beacon
/// is refused, `fetch` with `keepalive`. Failures are swallowed silently.
fn send(w: &Window, endpoint: &str, body: &str, ignore: &Closure<dyn FnMut(JsValue)>) {
    if w.navigator().send_beacon_with_opt_str(endpoint, Some(body)).unwrap_or(false) {
        return;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    init.set_mode(web_sys::RequestMode::NoCors);
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    let _ = w.fetch_with_str_and_init(endpoint, &init).catch(ignore);
}
