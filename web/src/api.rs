//! The `#[wasm_bindgen]` API: the `Iob` class the JS facade
//! (`pkg-template/facade.js`) wraps. Every method goes through
//! [`act`] (or only reads); none panics or throws into the host page except
//! `new` on a bad config and the consent methods on an unknown purpose,
//! typed errors the caller asked for.

use crate::handle::Attachment;
use crate::instance::{act, act_even_stopped, act_weak, Inner, Shared};
use crate::transport::Delivery;
use crate::{browser, cross_tab, listeners, observers, page, signals, storage};
use alloc::boxed::Box;
use alloc::rc::{Rc, Weak};
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use iob_sdk::{split, Config, Purpose, Tracker};
use wasm_bindgen::prelude::*;

/// Everything the instance attached to the page; dropping it detaches all.
struct Attached {
    _signals: Attachment,
    _listeners: Attachment,
    _observers: Attachment,
    _cross_tab: Attachment,
}

/// Parses a comma-separated purpose list (the facade joins the array).
/// (A loop: collecting into a `Result` links an iterator adapter stack of
/// about 900 wasm bytes for this one list; and the core's byte split: a
/// `char` pattern links a second copy of core's char searcher into the shell.)
fn parse_purposes(purposes: &str) -> Result<Vec<Purpose>, JsValue> {
    let mut out = Vec::new();
    for p in split::pieces(purposes, b",") {
        if p.is_empty() {
            continue;
        }
        match Purpose::parse(p) {
            Some(purpose) => out.push(purpose),
            None => {
                return Err(browser::js_error(
                    "IobConsentError",
                    "unknown purpose (expected security, analytics, personalization or marketing)",
                    Some(p),
                ))
            }
        }
    }
    Ok(out)
}

/// The delivery machinery, its callbacks acting on the instance.
fn delivery(weak: &Weak<RefCell<Inner>>) -> Delivery {
    let w = weak.clone();
    let on_result = Closure::new(move |_, status: f64, _, _, _, _, stored: Option<String>| {
        act_weak(&w, |i| {
            let now = i.now();
            i.tracker
                .on_post_result(status as u16, stored.as_deref(), now);
        })
    });
    let w = weak.clone();
    let tick = Closure::new(move |_, _, _, _, _, _, _| {
        act_weak(&w, |i| {
            if let Some(d) = i.delivery.as_mut() {
                d.timer_fired();
            }
            let now = i.now();
            i.tracker.tick(now, browser::wall());
        })
    });
    Delivery::new(on_result, tick)
}

/// The SDK instance.
#[wasm_bindgen]
pub struct Iob {
    shared: Shared,
    attached: Option<Attached>,
}

#[wasm_bindgen]
impl Iob {
    /// Starts the SDK with a JSON config. `emit(name, json)` receives
    /// `payload`, `consent` and `segment` notifications; it must not throw
    /// (the facade's catches its subscribers' errors). Throws
    /// `IobConfigError` (with `field`) on a bad config.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, emit: crate::browser::Function) -> Result<Iob, JsValue> {
        let cfg = Config::from_json(config_json, browser::json_pairs).map_err(|e| {
            let mut m = String::from("invalid iob config: ");
            m.push_str(&e.message());
            browser::js_error("IobConfigError", &m, Some(&e.field))
        })?;
        if browser::has_window() == 0 {
            return Err(browser::js_error("IobError", "no window", None));
        }
        let stored = storage::read_stored(&cfg.site);
        let site = cfg.site.clone();
        let history = storage::read(&Tracker::history_key(&cfg.site));
        let env = page::env();
        let endpoint = cfg.endpoint.clone();
        let mut tracker = Tracker::new(
            cfg,
            &env,
            stored,
            browser::now(),
            browser::wall(),
            Box::new(browser::random_id),
            browser::json_pairs,
        );
        tracker.set_environment(page::webdriver(), history.as_deref(), browser::wall());
        if !storage::available() {
            tracker.storage_unavailable();
        }
        let route = page::route();
        let shared: Shared = Rc::new(RefCell::new(Inner::new(tracker, endpoint, emit, route)));
        let weak = Rc::downgrade(&shared);
        let mut signals = None;
        // Start-up is one turn: consent signals are read before anything is
        // sent or stored; then the outbox an earlier page left is drained and
        // the delivery timer armed.
        act(&shared, |i| {
            signals = Some(signals::attach(&shared, i));
            i.delivery = Some(delivery(&weak));
        });
        let attached = signals.map(|signals| Attached {
            _signals: signals,
            _listeners: listeners::attach(&shared),
            _observers: observers::attach(&shared),
            _cross_tab: cross_tab::attach(&shared, &site),
        });
        Ok(Iob { shared, attached })
    }

    /// A consent change through the API: carried out at once, then announced.
    fn consent_change(&self, change: impl FnOnce(&mut Tracker, f64)) {
        act(&self.shared, |i| {
            change(&mut i.tracker, browser::wall());
            i.notify_consent();
        });
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

    /// Withdraws all consent at once: storage wiped, queue dropped, nothing
    /// sent after. Works after `shutdown()` too: a withdrawal always wipes.
    pub fn revoke(&self) {
        act_even_stopped(&self.shared, |i| {
            i.tracker.revoke(browser::wall());
            i.notify_consent();
        });
    }

    /// The consent state and its record, as JSON.
    #[wasm_bindgen(js_name = consentState)]
    pub fn consent_state(&self) -> String {
        self.shared
            .try_borrow()
            .map(|i| i.tracker.consent_state_json())
            .unwrap_or_default()
    }

    /// The live feature snapshot of this page view plus its `segment`, as JSON.
    /// Also announces a changed segment to `on('segment')` subscribers.
    pub fn features(&self) -> String {
        act(&self.shared, |i| {
            let now = i.now();
            i.check_segment(now);
        });
        self.shared
            .try_borrow()
            .map(|i| i.tracker.features_json(i.now()))
            .unwrap_or_default()
    }

    /// `track(name, props)`: counted as a conversion of this page view. The
    /// name and props never reach the wasm, so they are never stored or sent.
    pub fn track(&self) {
        act(&self.shared, |i| {
            let now = i.now();
            i.tracker.track(now);
            i.check_segment(now);
        });
    }

    /// What is stored, what was last sent, and why, as JSON.
    pub fn explain(&self) -> String {
        crate::deferred::drain();
        self.shared
            .try_borrow()
            .map(|i| i.tracker.explain_json(i.now()))
            .unwrap_or_default()
    }

    /// Sends a snapshot now (when analytics consent allows).
    pub fn flush(&self) {
        act(&self.shared, |i| {
            let now = i.now();
            i.tracker.flush(now, browser::wall());
        });
    }

    /// Removes every listener, observer and timer (by dropping their
    /// handles). The instance is inert afterwards.
    pub fn shutdown(&mut self) {
        // What the listeners hold back counts before they go.
        crate::deferred::drain();
        self.attached = None;
        if let Ok(mut i) = self.shared.try_borrow_mut() {
            i.stopped = true;
            if let Some(d) = i.delivery.as_mut() {
                d.stop();
            }
        }
    }
}
