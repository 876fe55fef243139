// Consent signal readers of iob-web (imported by web/src/signals.rs): GPC,
// DNT (every legacy form), IAB TCF v2.2/2.3 and Google Consent Mode. They
// only read and report raw values as flat JSON; every decision is made in
// the core (`signals_from_readings`), which is tested natively.
//
// - GPC: navigator.globalPrivacyControl.
// - DNT: navigator.doNotTrack, window.doNotTrack, navigator.msDoNotTrack.
// - TCF: __tcfapi('ping', 2, cb) only to detect the CMP, then
//   __tcfapi('addEventListener', 2, cb); every callback is reported. A CMP
//   that installs itself late is looked for again after 100 ms, then after
//   twice the previous wait, until the timeout (the last look falls on it).
//   Inside an iframe without its own __tcfapi, the CMP of an ancestor frame
//   is reached through the TCF frame protocol: the nearest ancestor holding
//   a frame named `__tcfapiLocator` gets `{__tcfapiCall: {...}}` messages and
//   answers with `{__tcfapiReturn: {returnValue, success, callId}}`.
// - Consent Mode: dataLayer entries ['consent', 'default'|'update', {...}]
//   (arrays or gtag's `arguments`); later pushes are noticed by wrapping
//   dataLayer.push (the original is called first and restored on stop). The
//   last `update`, the last `default` without `region`, and whether a
//   region-scoped `default` denied are reported separately: the core decides.

import { attached } from './browser.js';

/**
 * @param {number} vendor TCF vendor id whose consent is read (0: publisher consents)
 * @param {number} timeoutMs how long to look for a late CMP, ms
 * @param {(k: number, a: number, b: number, c: number, d: number, bits: number, json: string) => void} report
 *   receives each reading as the text of the shell's one callback signature
 *   (`Callback` in web/src/browser.rs), after zeros
 * @returns {() => void} stops polling, removes the TCF listener, restores dataLayer.push
 */
export function iobSignals(vendor, timeoutMs, report) {
  return attached((stops) => read(vendor, timeoutMs, report, stops));
}

/**
 * `iobSignals`'s work: its stop (stop polling, remove the TCF listener,
 * restore dataLayer.push) is pushed before anything starts.
 * @param {number} vendor @param {number} timeoutMs
 * @param {(k: number, a: number, b: number, c: number, d: number, bits: number, json: string) => void} report
 * @param {Array<() => void>} stops
 */
function read(vendor, timeoutMs, report, stops) {
  const w = /** @type {any} */ (window), n = /** @type {any} */ (navigator), each = Array.prototype.forEach;
  /** @type {Record<string, unknown>} */
  let tcf = {};
  let cmp = false, asked = false, done = false;
  /** Consent Mode analytics_storage: last update, last global default; a region-scoped default denied. */
  /** @type {string | undefined} */
  let gcmu;
  /** @type {string | undefined} */
  let gcmd;
  let gcmr = false;
  /** The TCF API: the page's own, or a proxy to an ancestor frame's CMP. @type {Function | undefined} */
  let tcfapi;
  /** @type {((e: MessageEvent) => void) | undefined} */
  let onMessage;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {unknown} */
  let lid;
  /** @type {any[] | undefined} */
  let dl;
  /** @type {Function | undefined} */
  let push;
  /** @type {Function | undefined} */
  let ours;
  stops.push(() => {
    done = true;
    clearTimeout(timer);
    if (dl && dl.push === ours) dl.push = /** @type {any} */ (push);
    if (lid != null && tcfapi) tcfapi('removeEventListener', 2, () => {}, lid);
  });
  stops.push(() => onMessage && w.removeEventListener('message', onMessage));
  /** @param {unknown} v */
  const str = (v) => (v == null ? '' : String(v));
  const send = () => {
    if (done) return;
    try {
      report(0, 0, 0, 0, 0, 0, JSON.stringify(Object.assign({ gpc: n.globalPrivacyControl === true, dnt: [n.doNotTrack, w.doNotTrack, n.msDoNotTrack].map(str).join(','), cmp, waited, gcmu, gcmd, gcmr }, tcf)));
    } catch (_) {}
  };
  /** @param {any} e */
  const seen = (e) => {
    if (e && e[0] === 'consent' && (e[1] === 'default' || e[1] === 'update') && e[2] && typeof e[2].analytics_storage === 'string') {
      const v = e[2].analytics_storage;
      if (e[1] === 'update') gcmu = v;
      else if (e[2].region == null) gcmd = v;
      else if (v === 'denied') gcmr = true;
    }
  };
  const gcmState = () => `${gcmu}|${gcmd}|${gcmr}`;
  const hookLayer = () => {
    const l = w.dataLayer;
    if (!Array.isArray(l) || l === dl) return;
    if (dl && dl.push === ours) dl.push = /** @type {any} */ (push);
    dl = l;
    const original = (push = l.push);
    each.call(l, seen);
    ours = l.push = function (/** @type {any[]} */ ...items) {
      const r = original.apply(this, items);
      const before = gcmState();
      try {
        items.forEach(seen);
      } catch (_) {}
      if (gcmState() !== before) send();
      return r;
    };
  };
  /** @param {any} o @param {number} k */
  const consent = (o, k) => !!(o && o.consents && o.consents[k]);
  /** @param {any} d @param {boolean} ok */
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
  /** The nearest frame (this one or an ancestor) holding `__tcfapiLocator`. */
  const locatorFrame = () => {
    /** @type {any} */
    let f = w;
    for (;;) {
      try {
        if (f.frames.__tcfapiLocator) return f;
      } catch (_) {}
      if (f === w.top || !f.parent) return null;
      f = f.parent;
    }
  };
  /** `__tcfapi` through postMessage to a CMP in `frame` (the TCF frame protocol). @param {any} frame */
  const proxy = (frame) => {
    /** @type {Record<string, Function>} */
    const calls = {};
    let next = 0;
    onMessage = (e) => {
      let d = e.data;
      try {
        if (typeof d === 'string') d = JSON.parse(d);
      } catch (_) {
        return;
      }
      const ret = d && d.__tcfapiReturn;
      if (ret && calls[ret.callId]) calls[ret.callId](ret.returnValue, ret.success);
    };
    w.addEventListener('message', onMessage);
    return (/** @type {string} */ command, /** @type {number} */ version, /** @type {Function} */ callback, /** @type {unknown} */ parameter) => {
      const callId = 'iob' + next++;
      calls[callId] = callback;
      frame.postMessage({ __tcfapiCall: { command, parameter, version, callId } }, '*');
    };
  };
  const findCmp = () => {
    if (asked) return;
    if (typeof w.__tcfapi === 'function') tcfapi = w.__tcfapi;
    else {
      const frame = w !== w.top ? locatorFrame() : null;
      if (!frame) return;
      tcfapi = proxy(frame);
    }
    asked = true;
    const api = /** @type {Function} */ (tcfapi);
    try {
      api('ping', 2, (/** @type {unknown} */ p) => {
        if (p && !cmp) {
          cmp = true;
          send();
        }
      });
      api('addEventListener', 2, onTc);
    } catch (_) {}
  };
  // Looks again after 100 ms, then after twice the previous wait, the last
  // look falling exactly at tcfTimeoutMs (3000: at 100, 300, 700, 1500 and
  // 3000 ms; five wake-ups instead of thirty at a fixed 100 ms).
  let elapsed = 0;
  let wait = Math.min(100, timeoutMs);
  let waited = timeoutMs <= 0;
  const poll = () => {
    timer = undefined;
    findCmp();
    hookLayer();
    elapsed += wait;
    wait = Math.min(2 * wait, timeoutMs - elapsed);
    if (wait > 0 && !done) timer = setTimeout(poll, wait);
    else {
      // tcfTimeoutMs has passed: a CMP's silence now means no answer.
      waited = true;
      send();
    }
  };
  findCmp();
  hookLayer();
  send();
  if (!waited) timer = setTimeout(poll, wait);
}
