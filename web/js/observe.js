// The observers of iob-web (imported by web/src/observers.rs): a
// MutationObserver (dead clicks), a PerformanceObserver (LCP, FCP, CLS, INP,
// long tasks), the document's load times, the interaction count, and hooks
// on history.pushState/replaceState and the Navigation API (SPA route
// changes, navigations starting). Each entry is reported as numbers; nothing
// reads layout. The web-vitals conventions (v5) are kept: INP candidates are
// `event` entries of >= 40 ms and `first-input`, interactions are counted by
// `performance.interactionCount` (or web-vitals' estimate from interaction
// ids), and pending entries are taken when the page is hidden.
// Codes shared with Rust are defined in web/src/codes.rs (a test checks them).

import { attached, drains } from './browser.js';

/** Report kinds. */
const DOM_CHANGED = 0;
const LCP = 1;
const LAYOUT_SHIFT = 2;
const INTERACTION = 3;
const LONG_TASK = 4;
const HISTORY_CHANGED = 5;
const FCP = 6;
const INTERACTION_COUNT = 7;
const PAGE_TIMES = 8;
const NAVIGATE = 9;

/**
 * @callback Report
 * @param {number} kind one of the report kinds above
 * @param {number} a LCP, FCP: startTime; layout shift: value; interaction:
 *   interactionId; interaction count: the count; page times: activationStart
 * @param {number} b layout shift: startTime; interaction: duration; page
 *   times: when the page was first hidden (0 loaded hidden, Infinity never)
 * @param {number} c interaction: startTime; page times: 1 when reached by
 *   back/forward, else 0
 * @param {number} z always 0 @param {number} flags always 0
 * @param {undefined} text always undefined (the shell's one callback
 *   signature, `Callback` in web/src/browser.rs: these are not read there;
 *   all seven are passed, as the glue of a debug build checks each number)
 * @returns {void}
 */

/**
 * Starts the hooks at once and the observers one task later, or sooner
 * when something needs them (buffered: entries before the start count).
 * @param {Report} report
 * @param {boolean} vitals observe the performance timeline (false in the
 *   `lite` build, which has no experience-quality features)
 * @returns {() => void} stops them all; restores a `history` method unless
 *   another script wrapped it since (then ours stays but only calls the original)
 */
export function iobObserve(report, vitals) {
  return attached((stops) => observe(report, vitals, stops));
}

/**
 * `iobObserve`'s work: each observer or hook started pushes its stop.
 * @param {Report} report @param {boolean} vitals @param {Array<() => void>} stops
 */
function observe(report, vitals, stops) {
  const w = window;
  const perf = performance;
  const doc = /** @type {Document & { prerendering?: boolean }} */ (document);
  /** @param {number} k @param {number} a @param {number} b @param {number} [c] */
  const safe = (k, a, b, c = 0) => {
    try {
      report(k, a, b, c, 0, 0, undefined);
    } catch (_) {}
  };
  /**
   * Adds a passive listener removed by the returned stop function.
   * @param {EventTarget} target @param {string} name @param {(e: Event) => void} f
   */
  const listen = (target, name, f) => {
    target.addEventListener(name, f, { passive: true, capture: true });
    stops.push(() => target.removeEventListener(name, f, true));
  };

  // The observers start one task after the SDK (`later`), with the
  // document's load times: a page's first MutationObserver costs about
  // 0.4 ms, and its first navigation entry and the first event into the
  // core more, which `new Iob` need not wait for. Nothing is lost by it.
  // Buffered performance entries from before the start are delivered all
  // the same; `later` is one of the drains every entry point into the SDK
  // runs first (browser.js), so the load times are in before anything is
  // read or decided; and whatever needs an observer starts it at once: a
  // click (before the page's handlers answer it), leaving the page, a route
  // change.
  /** @type {Array<() => void>} */
  const starts = [];
  let started = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const later = () => {
    if (started) return;
    started = true;
    drains.delete(later);
    clearTimeout(timer);
    starts.forEach((start) => {
      try {
        start();
      } catch (_) {}
    });
  };
  drains.add(later);
  try {
    timer = setTimeout(later, 0);
  } catch (_) {}
  stops.push(() => {
    started = true;
    drains.delete(later);
    clearTimeout(timer);
  });

  // The document's load (web-vitals' getActivationStart and visibility
  // watcher): activationStart, when it was first hidden, back/forward. A
  // prerendered page reports once it is activated. Without visibility-state
  // entries (other browsers than Chromium), `hiddenNow` tells whether it is
  // hidden: as it was at the start, when reported later.
  /** @param {boolean} hiddenNow */
  const pageTimes = (hiddenNow) => {
    const nav = /** @type {any} */ (perf.getEntriesByType('navigation')[0]);
    const activation = nav && nav.responseStart > 0 && nav.responseStart < perf.now() ? nav.activationStart || 0 : 0;
    const hiddenEntry = perf.getEntriesByType('visibility-state').find((e) => e.name === 'hidden' && e.startTime >= activation);
    const hidden = hiddenEntry ? hiddenEntry.startTime : hiddenNow ? 0 : Infinity;
    safe(PAGE_TIMES, activation, hidden, nav && nav.type === 'back_forward' ? 1 : 0);
  };
  try {
    const hiddenAtStart = doc.visibilityState === 'hidden';
    if (doc.prerendering) listen(doc, 'prerenderingchange', () => pageTimes(doc.visibilityState === 'hidden'));
    else starts.push(() => pageTimes(hiddenAtStart));
  } catch (_) {}

  const opts = { childList: true, subtree: true, attributes: true, characterData: true };
  try {
    // Only the first change after a click is reported. The core uses a
    // change only to answer the clicks still waiting for one (dead clicks),
    // and a change with no click since the last report answers none: every
    // click reaches the core at once (listen.js), before the change its
    // handlers make. A page that changes itself all the time (a clock, a
    // carousel, an animation of style attributes) then costs a callback
    // here per change, not a call into the wasm.
    let clicked = false;
    /** @type {MutationObserver | undefined} */
    let mo;
    starts.push(() => {
      mo = new MutationObserver(() => {
        if (!clicked) return;
        clicked = false;
        safe(DOM_CHANGED, 0, 0);
      });
      mo.observe(document.documentElement, opts);
    });
    // Open shadow roots on a click's path are observed too, before the
    // page's own handlers answer the click.
    listen(w, 'click', (e) => {
      later();
      if (!mo) return;
      clicked = true;
      for (const node of e.composedPath()) if (node instanceof ShadowRoot) mo.observe(node, opts);
    });
    stops.push(() => mo && mo.disconnect());
  } catch (_) {}

  /**
   * A page view ends (leaving, a route change): the entries the browser has
   * made but not yet delivered go in first, with the interaction count as of
   * now (set up with the performance observer).
   */
  let settle = () => {};
  // The lite build's bundle defines IOB_LITE (scripts/build-pkg.sh), so this
  // block is left out of its index.js; unbundled (the browser tests) it is
  // undefined and `vitals` decides.
  if ((typeof IOB_LITE === 'undefined' || !IOB_LITE) && vitals && w.PerformanceObserver) {
    const PO = w.PerformanceObserver;
    const supported = PO.supportedEntryTypes || [];
    // Interactions so far: the browser's count, or web-vitals' estimate from
    // the interaction ids of every event entry (ids grow by 7 per interaction).
    let minId = Infinity;
    let maxId = 0;
    const native = 'interactionCount' in perf;
    const count = () => (native ? /** @type {any} */ (perf).interactionCount : maxId ? (maxId - minId) / 7 + 1 : 0);
    const reportCount = () => {
      later();
      safe(INTERACTION_COUNT, count(), 0);
    };
    if (!native && supported.includes('event')) {
      const estimate = new PO((list) =>
        list.getEntries().forEach((entry) => {
          const id = /** @type {any} */ (entry).interactionId;
          if (id) {
            minId = Math.min(minId, id);
            maxId = Math.max(maxId, id);
          }
        }),
      );
      starts.push(() => estimate.observe(/** @type {PerformanceObserverInit} */ ({ type: 'event', buffered: true, durationThreshold: 0 })));
      stops.push(() => estimate.disconnect());
    }
    /** @param {PerformanceEntryList} entries */
    const handle = (entries) => {
      let events = false;
      entries.forEach((entry) => {
        const e = /** @type {any} */ (entry);
        const t = e.entryType;
        if (t === 'largest-contentful-paint') safe(LCP, e.startTime, 0);
        else if (t === 'layout-shift') {
          if (!e.hadRecentInput) safe(LAYOUT_SHIFT, e.value, e.startTime);
        } else if (t === 'event' || t === 'first-input') {
          events = true;
          if (e.interactionId > 0 || t === 'first-input') safe(INTERACTION, e.interactionId || 0, e.duration, e.startTime);
        } else if (t === 'paint') {
          if (e.name === 'first-contentful-paint') safe(FCP, e.startTime, 0);
        } else if (t === 'longtask') safe(LONG_TASK, 0, 0);
      });
      if (events) reportCount();
    };
    const po = new PO((list) => handle(list.getEntries()));
    starts.push(() =>
      ['largest-contentful-paint', 'layout-shift', 'event', 'first-input', 'paint', 'longtask'].forEach((type) => {
        if (supported.includes(type)) {
          po.observe(/** @type {PerformanceObserverInit} */ (type === 'event' ? { type, buffered: true, durationThreshold: 40 } : { type, buffered: true }));
        }
      }),
    );
    stops.push(() => po.disconnect());
    // Leaving (hidden, or unloading) and a route change: what is pending
    // goes in before the page view's last snapshot (web-vitals' onHidden),
    // and the new page view's INP counts the interactions from the count as
    // of the change. Window capture listeners run before the SDK's own.
    settle = () => {
      later();
      handle(po.takeRecords());
      reportCount();
    };
    listen(w, 'visibilitychange', () => doc.visibilityState === 'hidden' && settle());
    listen(w, 'pagehide', settle);
    listen(w, 'popstate', settle);
    listen(w, 'hashchange', settle);
  }

  // A navigation starting (Navigation API, where the browser has it).
  const navigation = /** @type {any} */ (w).navigation;
  if (navigation && navigation.addEventListener) listen(navigation, 'navigate', () => safe(NAVIGATE, 0, 0));

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
      if (active) {
        settle();
        safe(HISTORY_CHANGED, 0, 0);
      }
      return r;
    };
    h[name] = ours;
    stops.push(() => {
      active = false;
      if (h[name] === ours) h[name] = original;
    });
  });
}
