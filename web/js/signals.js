// Consent signal readers of iob-web (imported by web/src/signals.rs): GPC,
// DNT (every legacy form), IAB TCF v2.2/2.3 and Google Consent Mode. They
// only read and report raw values as flat JSON; every decision is made in
// the core (`signals_from_readings`), which is tested natively.
//
// - GPC: navigator.globalPrivacyControl.
// - DNT: navigator.doNotTrack, window.doNotTrack, navigator.msDoNotTrack.
// - TCF: __tcfapi('ping', 2, cb) only to detect the CMP, then
//   __tcfapi('addEventListener', 2, cb); every callback is reported. A CMP
//   that installs itself late is looked for every 100 ms until the timeout.
// - Consent Mode: dataLayer entries ['consent', 'default'|'update', {...}]
//   (arrays or gtag's `arguments`); later pushes are noticed by wrapping
//   dataLayer.push (the original is called first and restored on stop).

/**
 * @param {number} vendor TCF vendor id whose consent is read (0: publisher consents)
 * @param {number} timeoutMs how long to look for a late CMP, ms
 * @param {(json: string) => void} report receives each reading
 * @returns {() => void} stops polling, removes the TCF listener, restores dataLayer.push
 */
export function iobSignals(vendor, timeoutMs, report) {
  const w = /** @type {any} */ (window), n = /** @type {any} */ (navigator), each = Array.prototype.forEach;
  /** @type {Record<string, unknown>} */
  let tcf = {};
  let cmp = false, asked = false, done = false;
  /** @type {string | undefined} */
  let gcm;
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
  /** @param {unknown} v */
  const str = (v) => (v == null ? '' : String(v));
  const send = () => {
    if (done) return;
    try {
      report(JSON.stringify(Object.assign({ gpc: n.globalPrivacyControl === true, dnt: [n.doNotTrack, w.doNotTrack, n.msDoNotTrack].map(str).join(','), cmp, gcm }, tcf)));
    } catch (_) {}
  };
  /** @param {any} e */
  const seen = (e) => {
    if (e && e[0] === 'consent' && (e[1] === 'default' || e[1] === 'update') && e[2] && typeof e[2].analytics_storage === 'string') {
      gcm = e[2].analytics_storage;
    }
  };
  const hookLayer = () => {
    const l = w.dataLayer;
    if (!Array.isArray(l) || l === dl) return;
    if (dl && dl.push === ours) dl.push = /** @type {any} */ (push);
    dl = l;
    const original = (push = l.push);
    each.call(l, seen);
    ours = l.push = function (/** @type {any[]} */ ...items) {
      const r = original.apply(this, items);
      const before = gcm;
      try {
        items.forEach(seen);
      } catch (_) {}
      if (gcm !== before) send();
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
  const findCmp = () => {
    if (asked || typeof w.__tcfapi !== 'function') return;
    asked = true;
    try {
      w.__tcfapi('ping', 2, (/** @type {unknown} */ p) => {
        if (p && !cmp) {
          cmp = true;
          send();
        }
      });
      w.__tcfapi('addEventListener', 2, onTc);
    } catch (_) {}
  };
  let left = Math.ceil(timeoutMs / 100);
  const poll = () => {
    timer = undefined;
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
    if (dl && dl.push === ours) dl.push = /** @type {any} */ (push);
    if (lid != null && typeof w.__tcfapi === 'function') {
      try {
        w.__tcfapi('removeEventListener', 2, () => {}, lid);
      } catch (_) {}
    }
  };
}
