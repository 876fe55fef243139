// The DOM listeners of iob-web (imported by web/src/listeners.rs). It only
// reads events and reports numbers; every decision stays in Rust.
// Codes shared with Rust are defined in web/src/codes.rs; a test there checks
// that every `const` below has the same value.

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
 * @param {number} x clientX, or the key class
 * @param {number} y clientY
 * @param {number} flags TRUSTED | KEYBOARD | NATIVE | FIELD | PERSISTED | VISIBLE bits
 * @param {string | undefined} text for form events: form name NUL field name NUL input type
 * @returns {void}
 */

/** How long a deferred event (a pointer move) may wait in its buffer, ms. */
const deferWaitMs = 1000;
/** At most this many deferred events wait; one more hands them all over. */
const deferMax = 64;
/** The drain of each running listener set (one per SDK instance). */
const drains = new Set();

/**
 * Hands every deferred event to its handler, in order. Rust calls it at the
 * start of every entry point into the SDK, so nothing reads or acts on the
 * state before the events that came earlier are in.
 * @returns {void}
 */
export function iobDrain() {
  drains.forEach((drain) => drain());
}

/**
 * Adds one passive listener per name, each calling `handler`. The events of
 * the names in `deferred` (pointer moves: up to one per frame while the
 * pointer moves) are read at once but handed over in batches, at the next
 * other event or entry point, after deferWaitMs, or when deferMax wait: a call
 * into the wasm from a cold event costs tens of microseconds, the same calls
 * back to back about one.
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
  /** Deferred events, five numbers each: index, time, x, y, flags. @type {number[]} */
  const waiting = [];
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
    /** @type {number[]} */
    let e = [];
    try {
      while (waiting.length) {
        e = waiting.splice(0, 5);
        handler(e[0], e[1], e[2], e[3], e[4], undefined);
        e = [];
      }
    } catch (_) {
      // The handler is busy (called from inside itself): the event goes back
      // and waits for the next drain.
      waiting.unshift(...e);
      if (timer === undefined) timer = setTimeout(drain, deferWaitMs);
    } finally {
      draining = false;
    }
  };
  drains.add(drain);
  const offs = names.split(',').map((name, k) => {
    /** @type {EventTarget} */
    const target = (onDocument >>> k) & 1 ? document : window;
    const capture = ((captures >>> k) & 1) === 1;
    const r = +masks[k];
    /** @param {Event} e */
    const f = (e) => {
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
          if (r & READ_FORM) {
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
      if ((deferred >>> k) & 1) {
        waiting.push(k, perf.now(), x, y, flags);
        if (waiting.length >= deferMax * 5) drain();
        else if (timer === undefined) timer = setTimeout(drain, deferWaitMs);
        return;
      }
      // The waiting events first, from here: the handler cannot be called
      // again while it runs (the SDK's own drain would find it busy).
      const t = perf.now();
      drain();
      handler(k, t, x, y, flags, text);
    };
    target.addEventListener(name, f, { passive: true, capture });
    return () => target.removeEventListener(name, f, capture);
  });
  return () => {
    drains.delete(drain);
    clearTimeout(timer);
    waiting.length = 0;
    offs.forEach((off) => off());
  };
}
