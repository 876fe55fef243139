//! Observers for the feature engine: a `MutationObserver` (dead clicks), a
//! `PerformanceObserver` (LCP, CLS, INP, long tasks) and hooks on
//! `history.pushState` / `replaceState` (SPA route changes), set up by one
//! small JS snippet (`iobObserve`) that hands each entry over as numbers, so
//! the wasm holds no observer or entry bindings. Entries are turned into core
//! events here; nothing reads layout.

use super::listeners::{route_check, Local};
use super::{browser, Shared};
use crate::event::{Event, EventKind};
use alloc::rc::Rc;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::Window;

/// `navigator.webdriver`, and the stored on-device history of `site`.
pub fn environment(w: &Window, site: &str) -> (bool, Option<alloc::string::String>) {
    let webdriver = Reflect::get(&w.navigator(), &"webdriver".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    let history = browser::local_storage(w).and_then(|s| s.get_item(&crate::tracker::Tracker::history_key(site)).ok().flatten());
    (webdriver, history)
}

fn feed(shared: &Shared, kind: EventKind) {
    if let Ok(mut i) = shared.try_borrow_mut() {
        let t = browser::now(&i.window);
        i.tracker.on_event(&Event { t, kind });
    }
}

#[wasm_bindgen(inline_js = r#"
export function iobObserve(report) {
  const w = window, stops = [];
  const safe = (k, a, b) => { try { report(k, a, b); } catch (_) {} };
  try {
    const mo = new MutationObserver(() => safe(0, 0, 0));
    mo.observe(document.documentElement, { childList: true, subtree: true, attributes: true, characterData: true });
    stops.push(() => mo.disconnect());
  } catch (_) {}
  const PO = w.PerformanceObserver;
  if (PO) {
    const po = new PO((list) => list.getEntries().forEach((e) => {
      const t = e.entryType;
      if (t === 'largest-contentful-paint') safe(1, e.startTime, 0);
      else if (t === 'layout-shift') { if (!e.hadRecentInput) safe(2, e.value, e.startTime); }
      else if (t === 'event' || t === 'first-input') { if (e.interactionId > 0) safe(3, e.interactionId, e.duration); }
      else if (t === 'longtask') safe(4, 0, 0);
    }));
    const supported = PO.supportedEntryTypes || [];
    ['largest-contentful-paint', 'layout-shift', 'event', 'first-input', 'longtask'].forEach((type) => {
      if (supported.includes(type)) po.observe(type === 'event' ? { type, buffered: true, durationThreshold: 40 } : { type, buffered: true });
    });
    stops.push(() => po.disconnect());
  }
  const h = w.history;
  ['pushState', 'replaceState'].forEach((name) => {
    const original = h && h[name];
    if (typeof original !== 'function') return;
    let active = true;
    const ours = function (...args) {
      const r = original.apply(h, args);
      if (active) safe(5, 0, 0);
      return r;
    };
    h[name] = ours;
    stops.push(() => {
      active = false;
      if (h[name] === ours) h[name] = original;
    });
  });
  return () => stops.forEach((stop) => stop());
}
"#)]
extern "C" {
    /// Starts a `MutationObserver` on the document, a `PerformanceObserver`
    /// (buffered: entries before init count) and the `history` hooks, each
    /// reporting `report(kind, a, b)`: 0 a DOM change; 1 an LCP entry
    /// (`startTime`); 2 a layout shift without recent input (`value`,
    /// `startTime`); 3 an event-timing entry of an interaction
    /// (`interactionId`, `duration`); 4 a long task; 5 `pushState` or
    /// `replaceState` returned. Returns the function that stops them all: it
    /// restores a `history` method unless another script wrapped it since, in
    /// which case our wrapper stays but only calls the original.
    #[wasm_bindgen(js_name = iobObserve, catch)]
    fn iob_observe(report: &Report) -> Result<Function, JsValue>;
}

/// The observers' one callback: (kind, a, b) as documented on `iob_observe`.
type Report = Closure<dyn FnMut(u32, f64, f64)>;

/// The running observers and `history` hooks.
pub struct Observers {
    stop: Option<Function>,
    _report: Report,
}

impl Observers {
    pub fn attach(shared: &Shared, local: &Rc<Local>) -> Observers {
        let (s, l) = (shared.clone(), local.clone());
        let report: Report = Closure::new(move |kind: u32, a: f64, b: f64| {
            let ev = match kind {
                0 => EventKind::Mutation,
                1 => EventKind::Lcp(a as f32),
                2 => EventKind::LayoutShift { value: a as f32, at: b as f32 },
                3 => EventKind::Interaction { id: a as u32, duration: b as f32 },
                4 => EventKind::LongTask,
                _ => return route_check(&s, &l),
            };
            feed(&s, ev);
        });
        Observers { stop: iob_observe(&report).ok(), _report: report }
    }

    /// Disconnects the observers and unhooks `history` (see `iob_observe`).
    pub fn detach(self) {
        if let Some(stop) = &self.stop {
            let _ = stop.call0(&JsValue::NULL);
        }
    }
}
