//! The browser shell (wasm32 only): the `#[wasm_bindgen]` API, listeners,
//! and the executor of the core's effects. All logic lives in the core; this
//! layer translates and carries out. No entry point panics or throws into
//! the host page except `new` on a bad config and the consent methods on an
//! unknown purpose (typed errors the caller asked for).

mod browser;
mod effects;
mod listeners;
mod signals;
mod observers;

use crate::config::Config;
use crate::consent::Purpose;
use crate::event::{Event, EventKind};
use crate::tracker::Tracker;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use listeners::Listeners;
use wasm_bindgen::prelude::*;
use web_sys::Window;

type Shared = Rc<RefCell<Inner>>;

/// A notification for the page: (`"payload"` | `"consent"`, JSON).
type Emit = (&'static str, String);

struct Inner {
    tracker: Tracker,
    window: Window,
    endpoint: String,
    raf_pending: bool,
    raf: Option<Closure<dyn FnMut()>>,
    raf_handle: i32,
    stopped: bool,
    emit: js_sys::Function,
    /// Sending, fetch results, the delivery timer, `online`/`pageshow` (see effects.rs).
    transport: Option<effects::Transport>,
}

impl Inner {
    /// Carries out pending effects; returns the notifications to emit.
    fn run_effects(&mut self) -> Vec<Emit> {
        let effects = self.tracker.take_effects();
        let mut sent: Vec<Emit> = Vec::new();
        if let Some(t) = self.transport.as_mut() {
            t.run(&self.window, &self.endpoint, effects, &mut |body: String| sent.push(("payload", body)));
            let next = if self.stopped { None } else { self.tracker.next_wake() };
            t.reschedule(&self.window, next, browser::now(&self.window));
        }
        sent
    }

    fn hide(&mut self, t: f64) -> Vec<Emit> {
        self.tracker.on_hide(t, browser::wall());
        self.run_effects()
    }

    fn request_scroll_read(&mut self) {
        if self.raf_pending || self.stopped {
            return;
        }
        if let Some(cb) = &self.raf {
            if let Ok(h) = self.window.request_animation_frame(cb.as_ref().unchecked_ref()) {
                self.raf_handle = h;
                self.raf_pending = true;
            }
        }
    }

    /// Reads the scroll position (once per frame at most).
    fn read_scroll(&mut self) {
        self.raf_pending = false;
        let w = &self.window;
        let doc_h = w.document().and_then(|d| d.document_element()).map_or(0, |e| e.scroll_height());
        let viewport_h = w.inner_height().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let scroll_y = w.scroll_y().unwrap_or(0.0);
        let t = browser::now(w);
        self.tracker.on_event(&Event {
            t,
            kind: EventKind::Scroll { scroll_y: scroll_y as f32, viewport_h: viewport_h as f32, doc_h: doc_h as f32 },
        });
    }
}

fn emit_all(shared: &Shared, emits: Vec<Emit>) {
    let Ok(f) = shared.try_borrow().map(|i| i.emit.clone()) else { return };
    for (name, json) in emits {
        // A throwing page callback must not break the SDK either.
        let _ = f.call2(&JsValue::NULL, &JsValue::from_str(name), &JsValue::from_str(&json));
    }
}

/// Runs `f` on the running instance (with the page clock and wall-clock
/// time), carries out the effects it left and emits the notifications.
fn act(shared: &Shared, f: impl FnOnce(&mut Tracker, f64, f64)) {
    let emits = {
        let Ok(mut i) = shared.try_borrow_mut() else { return };
        if i.stopped {
            return;
        }
        let now = browser::now(&i.window);
        f(&mut i.tracker, now, browser::wall());
        i.run_effects()
    };
    emit_all(shared, emits);
}

/// Parses a comma-separated purpose list (the facade joins the array).
fn parse_purposes(purposes: &str) -> Result<Vec<Purpose>, JsValue> {
    purposes
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| Purpose::parse(p).ok_or_else(|| browser::js_error("IobConsentError", "unknown purpose (expected security, analytics, personalization or marketing)", Some(p))))
        .collect()
}

/// The SDK instance. The JS facade (`pkg-template/facade.js`) wraps it.
#[wasm_bindgen]
pub struct Iob {
    shared: Shared,
    listeners: Listeners,
    signals: signals::SignalReaders,
}

#[wasm_bindgen]
impl Iob {
    /// Starts the SDK with a JSON config. `emit(name, json)` receives
    /// `payload` and `consent` notifications. Throws `IobConfigError`
    /// (with `field`) on a bad config.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, emit: js_sys::Function) -> Result<Iob, JsValue> {
        let cfg = Config::from_json(config_json).map_err(|e| browser::js_error("IobConfigError", &e.message(), Some(&e.field)))?;
        let window = web_sys::window().ok_or_else(|| browser::js_error("IobError", "no window", None))?;
        let stored = browser::read_stored(&window, &cfg.site);
        let env = browser::page_env(&window);
        let endpoint = cfg.endpoint.clone();
        let now = browser::now(&window);
        let (webdriver, history) = observers::environment(&window, &cfg.site);
        let mut tracker = Tracker::new(cfg, &env, stored, now, browser::wall(), Box::new(browser::random_id));
        tracker.set_environment(webdriver, history.as_deref(), browser::wall());
        let shared: Shared = Rc::new(RefCell::new(Inner {
            tracker,
            window,
            endpoint,
            raf_pending: false,
            raf: None,
            raf_handle: 0,
            stopped: false,
            emit,
            transport: None,
        }));
        // Consent signals are read before anything is sent or stored.
        let signals = signals::SignalReaders::start(&shared);
        let weak = Rc::downgrade(&shared);
        let raf = Closure::new(move || {
            if let Some(s) = weak.upgrade() {
                if let Ok(mut i) = s.try_borrow_mut() {
                    i.read_scroll();
                }
            }
        });
        if let Ok(mut i) = shared.try_borrow_mut() {
            i.raf = Some(raf);
            i.request_scroll_read();
            let transport = effects::Transport::new(&shared, &i.window);
            i.transport = Some(transport);
            // Drains what an earlier page left in the outbox and arms the timer.
            let emits = i.run_effects();
            drop(i);
            emit_all(&shared, emits);
        }
        let listeners = Listeners::attach(&shared);
        Ok(Iob { shared, listeners, signals })
    }

    fn consent_change(&self, f: impl FnOnce(&mut Tracker, f64)) {
        let emits = {
            let Ok(mut i) = self.shared.try_borrow_mut() else { return };
            if i.stopped {
                return;
            }
            f(&mut i.tracker, browser::wall());
            let mut emits = i.run_effects();
            emits.push(("consent", i.tracker.consent_state_json()));
            emits
        };
        emit_all(&self.shared, emits);
    }

    /// Grants purposes (`"analytics,personalization"`). Throws `IobConsentError` on an unknown purpose.
    pub fn grant(&self, purposes: &str) -> Result<(), JsValue> {
        let ps = parse_purposes(purposes)?;
        self.consent_change(|t, wall| t.choose(&ps, true, wall));
        Ok(())
    }

    /// Denies purposes. Denying analytics wipes storage and stops sending.
    pub fn deny(&self, purposes: &str) -> Result<(), JsValue> {
        let ps = parse_purposes(purposes)?;
        self.consent_change(|t, wall| t.choose(&ps, false, wall));
        Ok(())
    }

    /// Withdraws all consent at once: storage wiped, queue dropped, nothing sent after.
    pub fn revoke(&self) {
        self.consent_change(|t, wall| t.revoke(wall));
    }

    /// The consent state and its record, as JSON.
    #[wasm_bindgen(js_name = consentState)]
    pub fn consent_state(&self) -> String {
        self.shared.try_borrow().map(|i| i.tracker.consent_state_json()).unwrap_or_default()
    }

    /// The live feature snapshot of this page view plus its `segment`, as JSON.
    /// Also announces a changed segment to `on('segment')` subscribers.
    pub fn features(&self) -> String {
        let (json, emits) = {
            let Ok(mut i) = self.shared.try_borrow_mut() else { return String::new() };
            let t = browser::now(&i.window);
            let emits = if i.stopped { Vec::new() } else { listeners::segment_emit(&mut i.tracker, t) };
            (i.tracker.features_json(t), emits)
        };
        emit_all(&self.shared, emits);
        json
    }

    /// `track(name, props)`: counted as a conversion of this page view. The
    /// name and props never reach the wasm, so they are never stored or sent.
    pub fn track(&self) {
        let emits = {
            let Ok(mut i) = self.shared.try_borrow_mut() else { return };
            if i.stopped {
                return;
            }
            let t = browser::now(&i.window);
            i.tracker.track(t);
            listeners::segment_emit(&mut i.tracker, t)
        };
        emit_all(&self.shared, emits);
    }

    /// What is stored, what was last sent, and why, as JSON.
    pub fn explain(&self) -> String {
        self.shared.try_borrow().map(|i| i.tracker.explain_json(browser::now(&i.window))).unwrap_or_default()
    }

    /// Sends a snapshot now (when analytics consent allows).
    pub fn flush(&self) {
        act(&self.shared, |t, now, wall| t.flush(now, wall));
    }

    /// Removes every listener and timer. The instance is inert afterwards.
    pub fn shutdown(&mut self) {
        self.listeners.detach();
        self.signals.stop();
        if let Ok(mut i) = self.shared.try_borrow_mut() {
            i.stopped = true;
            if i.raf_pending {
                let _ = i.window.cancel_animation_frame(i.raf_handle);
                i.raf_pending = false;
            }
            i.raf = None;
            let w = i.window.clone();
            if let Some(t) = i.transport.as_mut() {
                t.shutdown(&w);
            }
        }
    }
}
