// The DOM listeners of iob-web (imported by web/src/listeners.rs). It only
// reads events and reports numbers; every decision stays in Rust.
// Codes shared with Rust are defined in web/src/codes.rs; a test there checks
// that every `const` below has the same value.

import { attached, drains } from './browser.js';

/** Flag bits reported with each event. */
const TRUSTED = 1;
const KEYBOARD = 2;
const NATIVE = 4;
const FIELD = 8;
const PERSISTED = 16;
const VISIBLE = 64;
/** What to read for an event type (one mask per name, passed in by Rust). */
const READ_XY = 1;
const READ_ELEMENT = 2;
const READ_KEY = 4;
const READ_FORM = 8;
const READ_FOCUS = 16;
const READ_VISIBILITY = 32;
const READ_PERSISTED = 64;
const READ_SCROLL = 128;
/** Key classes. */
const KEY_CHAR = 0;
const KEY_DELETE = 1;
const KEY_NAVIGATION = 2;
const KEY_ENTER = 3;

/**
 * Named keys with a class; other names of one character are KEY_CHAR, the
 * rest (modifiers, function keys) are not reported. `Unidentified` (Android
 * keyboards) and `Process` (IME composition) stand for characters typed.
 * @type {Record<string, number>}
 */
const KEYS = {
  Unidentified: KEY_CHAR, Process: KEY_CHAR,
  Backspace: KEY_DELETE, Delete: KEY_DELETE, Enter: KEY_ENTER,
  Tab: KEY_NAVIGATION, Escape: KEY_NAVIGATION, Home: KEY_NAVIGATION, End: KEY_NAVIGATION, PageUp: KEY_NAVIGATION, PageDown: KEY_NAVIGATION,
  ArrowUp: KEY_NAVIGATION, ArrowDown: KEY_NAVIGATION, ArrowLeft: KEY_NAVIGATION, ArrowRight: KEY_NAVIGATION,
};

/**
 * @callback Handler
 * @param {number} index the event's position in `names`
 * @param {number} t `performance.now()`, ms
 * @param {number} x clientX, the key class, or scrollY
 * @param {number} y clientY, or innerHeight
 * @param {number} z the document's scrollHeight (scroll readings)
 * @param {number} flags TRUSTED | KEYBOARD | NATIVE | FIELD | PERSISTED | VISIBLE bits
 * @param {string | undefined} text for form events: form name NUL field name NUL input type
 * @returns {void}
 */

/** How long a deferred event may wait in its buffer, ms. */
const deferWaitMs = 1000;
/** At most this many deferred events wait; one more hands them all over. */
const deferMax = 64;
/** The scroll reading request of each running listener set. */
const scrollReads = new Set();

/**
 * Brings in what waits (`drains` of browser.js): every deferred event, in
 * order, and the observers not started yet. Rust calls it at the start of
 * every entry point into the SDK, so nothing reads or acts on the state
 * before what came earlier is in.
 * @returns {void}
 */
export function iobDrain() {
  try {
    drains.forEach((drain) => drain());
  } catch (_) {}
}

/**
 * Asks each running listener set for a scroll reading at the next animation
 * frame (Rust calls it when a route change starts a page view).
 * @returns {void}
 */
export function iobReadScroll() {
  try {
    scrollReads.forEach((read) => read());
  } catch (_) {}
}

/**
 * Adds one passive listener per name, each calling `handler`. The events of
 * the names in `deferred` (pointer moves and presses, wheel, touch, keys, selection
 * changes: up to one per frame while the pointer moves) are read at once
 * but handed over in batches, at the next other event or entry point, after
 * deferWaitMs, or when deferMax wait: a call into the wasm from a cold event costs tens of microseconds,
 * the same calls back to back about one. A `scroll` event (READ_SCROLL) only
 * asks for a reading of the scroll position at the next animation frame (at
 * most one per frame, so layout is never read in the event itself); the
 * reading is deferred like a pointer move. One reading is asked for at once.
 * @param {string} names comma-separated event names
 * @param {number} captures bit k: listener k captures
 * @param {number} onDocument bit k: listener k is on `document`, else on `window`
 * @param {string} reads comma-separated READ_* masks, one per name
 * @param {string} selectors newline-separated: ignored elements, form fields, natively clickable elements
 * @param {Handler} handler
 * @param {number} deferred bit k: events of listener k are handed over in batches
 * @returns {() => void} removes every listener added (what still waits is dropped: hand it over first)
 */
export function iobListen(names, captures, onDocument, reads, selectors, handler, deferred) {
  return attached((stops) => listen(names, captures, onDocument, reads, selectors, handler, deferred, stops));
}

/**
 * `iobListen`'s work: each listener added pushes its removal.
 * @param {string} names @param {number} captures @param {number} onDocument @param {string} reads
 * @param {string} selectors @param {Handler} handler @param {number} deferred @param {Array<() => void>} stops
 */
function listen(names, captures, onDocument, reads, selectors, handler, deferred, stops) {
  const [ignored, field, native] = selectors.split('\n');
  /** @param {Element} el @param {string} sel */
  const within = (el, sel) => {
    try {
      return el.closest(sel) !== null;
    } catch (_) {
      return false;
    }
  };
  /** @param {Element} el @param {string} a */
  const attr = (el, a) => el.getAttribute(a) || '';
  /** @param {Element} el */
  const named = (el) => attr(el, 'name') || attr(el, 'id');
  const perf = performance;
  const masks = reads.split(',');
  /** Deferred events, six numbers each (index, time, x, y, z, flags); `head` of `count` handed over. */
  const waiting = new Float64Array(deferMax * 6);
  let head = 0, count = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let draining = false;
  const drain = () => {
    // The SDK drains at each entry point, also while this loop hands it an
    // event: that inner call has nothing to do.
    if (draining) return;
    clearTimeout(timer);
    timer = undefined;
    draining = true;
    try {
      for (; head < count; head++) {
        const j = head * 6;
        handler(waiting[j], waiting[j + 1], waiting[j + 2], waiting[j + 3], waiting[j + 4], waiting[j + 5], undefined);
      }
      head = count = 0;
    } catch (_) {
      // The handler is busy (called from inside itself): this event and the
      // rest wait for the next drain.
      waiting.copyWithin(0, head * 6, count * 6);
      count -= head;
      head = 0;
      if (timer === undefined) timer = setTimeout(drain, deferWaitMs);
    } finally {
      draining = false;
    }
  };
  /**
   * Keeps one deferred event; a full buffer is handed over first (were the
   * handler busy all along, the event is dropped rather than the page's
   * memory grown).
   * @param {number} k @param {number} x @param {number} y @param {number} z @param {number} flags
   */
  const keep = (k, x, y, z, flags) => {
    if (count === deferMax) drain();
    if (count === deferMax) return;
    const j = count++ * 6;
    waiting[j] = k;
    waiting[j + 1] = perf.now();
    waiting[j + 2] = x;
    waiting[j + 3] = y;
    waiting[j + 4] = z;
    waiting[j + 5] = flags;
    if (timer === undefined) timer = setTimeout(drain, deferWaitMs);
  };
  drains.add(drain);
  stops.push(() => {
    drains.delete(drain);
    clearTimeout(timer);
  });
  /** The pending scroll reading's frame, 0 when none. */
  let frame = 0;
  /** The listener index of `scroll`, -1 when it is not listened to. */
  let scrollAt = -1;
  const readScroll = () => {
    frame = 0;
    const doc = document.documentElement;
    keep(scrollAt, scrollY, innerHeight, doc ? doc.scrollHeight : 0, 0);
  };
  const askScroll = () => {
    if (!frame && scrollAt >= 0) frame = requestAnimationFrame(readScroll);
  };
  scrollReads.add(askScroll);
  stops.push(() => {
    scrollReads.delete(askScroll);
    cancelAnimationFrame(frame);
  });
  names.split(',').forEach((name, k) => {
    /** @type {EventTarget} */
    const target = (onDocument >>> k) & 1 ? document : window;
    const capture = ((captures >>> k) & 1) === 1;
    const r = +masks[k];
    if (r & READ_SCROLL) scrollAt = k;
    const defer = (deferred >>> k) & 1;
    /**
     * A deferred event that needs no more than its coordinates (a pointer
     * move, wheel, touch, selection change): the short path.
     * @param {Event} e
     */
    const wait = (e) => {
      const m = /** @type {MouseEvent} */ (e);
      keep(k, r & READ_XY ? m.clientX : 0, r & READ_XY ? m.clientY : 0, 0, e.isTrusted ? TRUSTED : 0);
    };
    /** @type {(e: Event) => void} */
    const f = r & READ_SCROLL ? askScroll : defer && !(r & ~READ_XY) ? wait : (e) => {
      let x = 0, y = 0, flags = e.isTrusted ? TRUSTED : 0;
      /** @type {string | undefined} */
      let text;
      if (r & READ_XY) {
        const m = /** @type {MouseEvent} */ (e);
        x = m.clientX;
        y = m.clientY;
      }
      if (r & READ_ELEMENT) {
        // A click with detail 0 was activated from the keyboard (Enter, Space).
        if (/** @type {UIEvent} */ (e).detail === 0) flags |= KEYBOARD;
        const el = e.target instanceof Element ? e.target : null;
        if (el) {
          if (within(el, ignored)) return;
          if (within(el, native)) flags |= NATIVE;
          if (within(el, field)) flags |= FIELD;
          // The lite build never asks for names (esbuild drops this there).
          if ((typeof IOB_LITE === 'undefined' || !IOB_LITE) && r & READ_FORM) {
            const form = el.closest('form'), tag = el.tagName;
            text = (form ? named(form) : '') + '\0' + named(el) + '\0' + (tag.toLowerCase() === 'input' ? attr(el, 'type') : tag);
          }
        } else if (r & READ_FORM) return;
      }
      if (r & READ_KEY) {
        const key = /** @type {KeyboardEvent} */ (e);
        if (key.repeat || typeof key.key !== 'string') return;
        const c = KEYS[key.key] ?? ([...key.key].length === 1 ? KEY_CHAR : -1);
        if (c < 0) return;
        x = c;
      }
      // Focus moving into one of the page's iframes blurs the window, but the
      // page still has focus.
      if (r & READ_FOCUS && document.hasFocus()) return;
      if (r & READ_VISIBILITY && document.visibilityState === 'visible') flags |= VISIBLE;
      if (r & READ_PERSISTED && /** @type {PageTransitionEvent} */ (e).persisted) flags |= PERSISTED;
      if (defer && text === undefined) {
        keep(k, x, y, 0, flags);
        return;
      }
      // The waiting events first, from here: the handler cannot be called
      // again while it runs (the SDK's own drain would find it busy).
      const t = perf.now();
      drain();
      handler(k, t, x, y, 0, flags, text);
    };
    target.addEventListener(name, f, { passive: true, capture });
    stops.push(() => target.removeEventListener(name, f, capture));
  });
  askScroll();
}
