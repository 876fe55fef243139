//! Consent signal readers: GPC, DNT (every legacy form), IAB TCF v2.2/2.3
//! and Google Consent Mode. The JavaScript below only *reads* and reports
//! raw values as flat JSON; every decision (which TCF events count, purposes
//! 1 and 8, vendor consent, what silence means while GDPR applies, Consent
//! Mode's last entry) is made in the pure core by
//! [`crate::consent::signals_from_readings`], which is unit-tested natively.
//!
//! - GPC: `navigator.globalPrivacyControl`.
//! - DNT: `navigator.doNotTrack`, `window.doNotTrack`, `navigator.msDoNotTrack`.
//! - TCF: `__tcfapi('ping', 2, cb)` only to detect the CMP, then
//!   `__tcfapi('addEventListener', 2, cb)`; every callback is reported, so a
//!   changed mind (`useractioncomplete`) is re-evaluated at once. A CMP that
//!   installs itself late is looked for every 100 ms until `tcfTimeoutMs`.
//! - Consent Mode: `dataLayer` entries `['consent', 'default'|'update', {analytics_storage}]`
//!   (arrays or gtag's `arguments`), the last one wins; later pushes are
//!   noticed by wrapping `dataLayer.push` (the original is called first and
//!   restored on `shutdown()`).
//!
//! Nothing is written to the page except that wrapper; `stop` clears the
//! poll timer, removes the TCF listener and restores `dataLayer.push`.

use super::{browser, emit_all, Shared};
use crate::consent::signals_from_readings;
use alloc::rc::Rc;
use core::cell::Cell;
use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function iobSignals(vendor, timeoutMs, report) {
  const w = window, n = navigator, each = Array.prototype.forEach;
  let tcf = {}, cmp = false, asked = false, gcm, done = false, timer = 0, lid, dl, push, ours;
  const str = (v) => (v == null ? '' : String(v));
  const send = () => {
    if (done) return;
    try {
      report(JSON.stringify(Object.assign({
        gpc: n.globalPrivacyControl === true,
        dnt: [n.doNotTrack, w.doNotTrack, n.msDoNotTrack].map(str).join(','),
        cmp,
        gcm,
      }, tcf)));
    } catch (e) {}
  };
  const seen = (e) => {
    if (e && e[0] === 'consent' && (e[1] === 'default' || e[1] === 'update') && e[2] && typeof e[2].analytics_storage === 'string') {
      gcm = e[2].analytics_storage;
    }
  };
  const hookLayer = () => {
    const l = w.dataLayer;
    if (!Array.isArray(l) || l === dl) return;
    if (dl && dl.push === ours) dl.push = push;
    dl = l;
    push = l.push;
    each.call(l, seen);
    ours = l.push = function () {
      const r = push.apply(this, arguments);
      const before = gcm;
      try { each.call(arguments, seen); } catch (e) {}
      if (gcm !== before) send();
      return r;
    };
  };
  const consent = (o, k) => !!(o && o.consents && o.consents[k]);
  const onTc = (d, ok) => {
    if (!ok || !d) return;
    if (d.listenerId != null) lid = d.listenerId;
    tcf = {
      status: str(d.eventStatus), gdpr: d.gdprApplies, tc: str(d.tcString),
      pub1: consent(d.publisher, 1), pub8: consent(d.publisher, 8),
      pur1: consent(d.purpose, 1), pur8: consent(d.purpose, 8),
    };
    if (vendor) tcf.ven = consent(d.vendor, vendor);
    cmp = true;
    send();
  };
  const findCmp = () => {
    if (asked || typeof w.__tcfapi !== 'function') return;
    asked = true;
    try {
      w.__tcfapi('ping', 2, (p) => { if (p && !cmp) { cmp = true; send(); } });
      w.__tcfapi('addEventListener', 2, onTc);
    } catch (e) {}
  };
  let left = Math.ceil(timeoutMs / 100);
  const poll = () => {
    timer = 0;
    findCmp();
    hookLayer();
    if (--left > 0 && !done) timer = setTimeout(poll, 100);
  };
  findCmp();
  hookLayer();
  send();
  if (left > 0) timer = setTimeout(poll, 100);
  return () => {
    done = true;
    clearTimeout(timer);
    if (dl && dl.push === ours) dl.push = push;
    if (lid != null && typeof w.__tcfapi === 'function') {
      try { w.__tcfapi('removeEventListener', 2, () => {}, lid); } catch (e) {}
    }
  };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = iobSignals, catch)]
    fn iob_signals(vendor: u32, timeout_ms: u32, report: &Closure<dyn FnMut(String)>) -> Result<js_sys::Function, JsValue>;
}

/// The running readers; [`SignalReaders::stop`] ends them.
pub struct SignalReaders {
    stop: Option<js_sys::Function>,
    _report: Closure<dyn FnMut(String)>,
}

impl SignalReaders {
    /// Starts the readers. The first reading is applied synchronously, before
    /// anything is sent or stored.
    pub fn start(shared: &Shared) -> SignalReaders {
        let weak = Rc::downgrade(shared);
        // During `start` the readings only update the core; `Iob::new` then
        // carries out the resulting effects with everything else.
        let starting = Rc::new(Cell::new(true));
        let during_start = starting.clone();
        let report: Closure<dyn FnMut(String)> = Closure::new(move |json: String| {
            if let Some(s) = weak.upgrade() {
                apply(&s, &json, during_start.get());
            }
        });
        let (vendor, timeout) = shared
            .try_borrow()
            .map(|i| (i.tracker.config().tcf_vendor_id.unwrap_or(0), i.tracker.config().tcf_timeout_ms))
            .unwrap_or((0, 0));
        let stop = iob_signals(vendor, timeout, &report).ok();
        starting.set(false);
        SignalReaders { stop, _report: report }
    }

    /// Stops polling, removes the TCF listener and restores `dataLayer.push`.
    pub fn stop(&mut self) {
        if let Some(f) = self.stop.take() {
            let _ = f.call0(&JsValue::NULL);
        }
    }
}

/// Applies one reading: a changed consent takes effect in this same task
/// (a withdrawal wipes storage and drops the queue before anything else runs).
fn apply(shared: &Shared, json: &str, starting: bool) {
    let emits = {
        let Ok(mut i) = shared.try_borrow_mut() else { return };
        if i.stopped {
            return;
        }
        let prev = i.tracker.consent().signals().clone();
        let next = signals_from_readings(json, i.tracker.config().gdpr_applies, &prev);
        if !i.tracker.set_signals(next, browser::wall()) || starting {
            return;
        }
        let mut emits = i.run_effects();
        emits.push(("consent", i.tracker.consent_state_json()));
        emits
    };
    emit_all(shared, emits);
}
