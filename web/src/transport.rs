//! Carries out the core's decisions: sending payloads, touching storage, and
//! the delivery timer. The retry and outbox policy lives in the core
//! (`transport`, `Tracker::tick`); this layer only sends, reports each
//! `fetch` result back, and keeps one `setTimeout` armed for
//! `Tracker::next_wake`. Requests go out through one small JS snippet
//! (`iobRequest`: beacon, post or probe; only the status comes back).
//! Nothing here throws into the page or logs: a full
//! storage quota, a refused beacon and an unreachable endpoint are all
//! swallowed (a failed request is reported to the retry machine).

use super::{browser, Shared};
use crate::tracker::{Effect, Tracker};
use alloc::rc::{Rc, Weak};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;
use web_sys::{EventTarget, Window};

type Handler = Closure<dyn FnMut(web_sys::Event)>;

/// Window events after which the queue is retried at once: back online, or
/// shown again (a page restored from the back/forward cache, whose unload
/// beacon may have been lost; the page view continues).
const RESUME_ON: [&str; 2] = ["online", "pageshow"];

/// What `iobRequest` sends.
const BEACON: u32 = 0;
const POST: u32 = 1;
const PROBE: u32 = 2;

#[wasm_bindgen(inline_js = r#"
export function iobRequest(kind, url, body, done) {
  try {
    if (kind === 0 && navigator.sendBeacon(url, body)) return;
  } catch (_) {}
  const init = { method: kind === 2 ? 'HEAD' : 'POST', mode: kind === 0 ? 'no-cors' : 'cors', credentials: 'omit', keepalive: kind !== 2 };
  if (kind === 2) init.cache = 'no-store';
  else init.body = body;
  const report = kind === 0 ? () => {} : done;
  try {
    fetch(url, init).then((r) => report(r.status), () => report(0));
  } catch (_) {
    report(0);
  }
}
"#)]
extern "C" {
    /// Sends one request; nothing throws into the page or logs, and a post
    /// or probe always gets its `done` call.
    /// - `BEACON`: the final snapshot, `sendBeacon` with a `text/plain` body;
    ///   when the beacon is refused, `fetch` (`no-cors`, `keepalive`). Fire
    ///   and forget: the payload also stays in the outbox until confirmed.
    /// - `POST`: `fetch` (`text/plain`, so no preflight; `keepalive`, so it
    ///   survives an unload; no credentials); `done(status)`, 0 on failure.
    /// - `PROBE`: `HEAD` with no body and no cache; `done(status)` likewise.
    #[wasm_bindgen(js_name = iobRequest, catch)]
    fn iob_request(kind: u32, url: &str, body: &str, done: &Closure<dyn FnMut(u16)>) -> Result<(), JsValue>;
}

/// The delivery machinery of one SDK instance: the fetch-result callback,
/// the timer, and the `online` / `pageshow` listener.
pub struct Transport {
    /// Receives a post's or probe's HTTP status, 0 when it failed (offline,
    /// refused, CORS): one request is out at a time, so no matching is needed.
    on_result: Closure<dyn FnMut(u16)>,
    tick: Closure<dyn FnMut()>,
    /// The armed timer: (handle, deadline on the page clock).
    timer: Option<(i32, f64)>,
    resume: Option<(EventTarget, Handler)>,
}

/// [`super::act`] on the instance, if it is still alive.
fn with_inner(weak: &Weak<core::cell::RefCell<super::Inner>>, f: impl FnOnce(&mut Tracker, f64, f64)) {
    if let Some(shared) = weak.upgrade() {
        super::act(&shared, f);
    }
}

impl Transport {
    /// Creates the callbacks and adds the `online` / `pageshow` listener.
    pub fn new(shared: &Shared, window: &Window) -> Transport {
        let w = Rc::downgrade(shared);
        let on_result = Closure::new(move |status: u16| with_inner(&w, |t, now, _| t.on_post_result(status, now)));
        let w = Rc::downgrade(shared);
        let tick = Closure::new(move || {
            if let Some(s) = w.upgrade() {
                if let Ok(mut i) = s.try_borrow_mut() {
                    if let Some(t) = i.transport.as_mut() {
                        t.timer = None;
                    }
                }
            }
            with_inner(&w, |t, now, wall| t.tick(now, wall));
        });
        let w = Rc::downgrade(shared);
        let resume: Handler = Closure::new(move |_: web_sys::Event| with_inner(&w, |t, now, _| t.resume(now)));
        let target: EventTarget = window.clone().into();
        for name in RESUME_ON {
            let _ = target.add_event_listener_with_callback(name, resume.as_ref().unchecked_ref());
        }
        Transport { on_result, tick, timer: None, resume: Some((target, resume)) }
    }

    /// Executes `effects` in order. `on_sent` receives each new payload body.
    pub fn run(&self, w: &Window, endpoint: &str, effects: Vec<Effect>, on_sent: &mut dyn FnMut(String)) {
        for e in effects {
            match e {
                Effect::Send(body) => {
                    let _ = iob_request(BEACON, endpoint, &body, &self.on_result);
                    on_sent(body);
                }
                Effect::Post { body, fresh } => {
                    let _ = iob_request(POST, endpoint, &body, &self.on_result);
                    if fresh {
                        on_sent(body);
                    }
                }
                Effect::Probe(url) => {
                    let _ = iob_request(PROBE, &url, "", &self.on_result);
                }
                Effect::Store { key, value } => {
                    if let Some(s) = browser::local_storage(w) {
                        // A full quota or disabled storage must not break the page.
                        let _ = s.set_item(&key, &value);
                    }
                }
                Effect::Remove(key) => {
                    if let Some(s) = browser::local_storage(w) {
                        let _ = s.remove_item(&key);
                    }
                }
            }
        }
    }

    /// Arms the one timer for `next` (page clock), replacing an earlier one.
    pub fn reschedule(&mut self, w: &Window, next: Option<f64>, now: f64) {
        if self.timer.map(|(_, at)| at) == next {
            return;
        }
        self.clear_timer(w);
        if let Some(at) = next {
            let delay = (at - now).clamp(0.0, 2_147_483_647.0);
            let cb = self.tick.as_ref().unchecked_ref();
            if let Ok(h) = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb, delay as i32 + 1) {
                self.timer = Some((h, at));
            }
        }
    }

    fn clear_timer(&mut self, w: &Window) {
        if let Some((h, _)) = self.timer.take() {
            w.clear_timeout_with_handle(h);
        }
    }

    /// `shutdown()`: clears the timer and removes the listener. The fetch
    /// callbacks stay alive (a request may still answer) but act no more.
    pub fn shutdown(&mut self, w: &Window) {
        self.clear_timer(w);
        if let Some((target, handler)) = self.resume.take() {
            for name in RESUME_ON {
                let _ = target.remove_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            }
        }
    }
}
