// The observers of iob-web (imported by web/src/observers.rs): a
// MutationObserver (dead clicks), a PerformanceObserver (LCP, CLS, INP, long
// tasks) and hooks on history.pushState/replaceState (SPA route changes).
// Each entry is reported as numbers; nothing reads layout.
// Codes shared with Rust are defined in web/src/codes.rs (a test checks them).

/** Report kinds. */
const DOM_CHANGED = 0;
const LCP = 1;
const LAYOUT_SHIFT = 2;
const INTERACTION = 3;
const LONG_TASK = 4;
const HISTORY_CHANGED = 5;

/**
 * @callback Report
 * @param {number} kind one of the report kinds above
 * @param {number} a LCP: startTime; layout shift: value; interaction: interactionId
 * @param {number} b layout shift: startTime; interaction: duration
 * @returns {void}
 */

/**
 * Starts the observers and hooks (buffered: entries before start count).
 * @param {Report} report
 * @returns {() => void} stops them all; restores a `history` method unless
 *   another script wrapped it since (then ours stays but only calls the original)
 */
export function iobObserve(report) {
  const w = window;
  /** @type {Array<() => void>} */
  const stops = [];
  /** @param {number} k @param {number} a @param {number} b */
  const safe = (k, a, b) => {
    try {
      report(k, a, b);
    } catch (_) {}
  };
  try {
    const mo = new MutationObserver(() => safe(DOM_CHANGED, 0, 0));
    mo.observe(document.documentElement, { childList: true, subtree: true, attributes: true, characterData: true });
    stops.push(() => mo.disconnect());
  } catch (_) {}
  const PO = w.PerformanceObserver;
  if (PO) {
    const po = new PO((list) =>
      list.getEntries().forEach((entry) => {
        const e = /** @type {any} */ (entry);
        const t = e.entryType;
        if (t === 'largest-contentful-paint') safe(LCP, e.startTime, 0);
        else if (t === 'layout-shift') {
          if (!e.hadRecentInput) safe(LAYOUT_SHIFT, e.value, e.startTime);
        } else if (t === 'event' || t === 'first-input') {
          if (e.interactionId > 0) safe(INTERACTION, e.interactionId, e.duration);
        } else if (t === 'longtask') safe(LONG_TASK, 0, 0);
      }),
    );
    const supported = PO.supportedEntryTypes || [];
    ['largest-contentful-paint', 'layout-shift', 'event', 'first-input', 'longtask'].forEach((type) => {
      if (supported.includes(type)) {
        po.observe(/** @type {PerformanceObserverInit} */ (type === 'event' ? { type, buffered: true, durationThreshold: 40 } : { type, buffered: true }));
      }
    });
    stops.push(() => po.disconnect());
  }
  const h = w.history;
  /** @type {Array<'pushState' | 'replaceState'>} */
  const methods = ['pushState', 'replaceState'];
  methods.forEach((name) => {
    const original = h && h[name];
    if (typeof original !== 'function') return;
    let active = true;
    /** @this {History} @param {...any} args */
    const ours = function (...args) {
      const r = original.apply(h, /** @type {any} */ (args));
      if (active) safe(HISTORY_CHANGED, 0, 0);
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
