// Small readers of browser state for web/src/browser.rs, each one import
// instead of a chain of web-sys getters (every getter is an import with its
// own glue, and an object it returns goes through the externref table).
// None of them throws.

/**
 * Runs `start(stops)` and returns one function that runs every stop
 * function it pushed, each on its own (one that throws does not keep the
 * others from running). Neither `start` nor the returned function throws:
 * what `start` set up before a failure is still undone. The attach functions
 * the shell imports go through it: their Rust bindings do not catch (no
 * glue wrapper and no exception slot in the wasm), so nothing they run may
 * throw into the wasm.
 * @param {(stops: Array<() => void>) => void} start
 * @returns {() => void}
 */
export function attached(start) {
  /** @type {Array<() => void>} */
  const stops = [];
  try {
    start(stops);
  } catch (_) {}
  return () =>
    stops.forEach((stop) => {
      try {
        stop();
      } catch (_) {}
    });
}

/**
 * What waits to be brought into the SDK, one function per part: the events
 * `listen.js` holds back, and the observers `observe.js` has not started
 * yet (with the document's load times they report). `iobDrain` of listen.js
 * runs them all at every entry point into the SDK, so nothing is read or
 * decided before them.
 * @type {Set<() => void>}
 */
export const drains = new Set();

/** 1 on a page with a `window`, 0 where there is none (a worker, a server). */
export function iobHasWindow() {
  return typeof window === 'object' ? 1 : 0;
}

/**
 * Calls `callback` once after `delay` ms, with zeros and no text (all seven
 * arguments of the shell's one callback signature, `Callback` in
 * web/src/browser.rs); returns the timer's id (0 when none could be set).
 * @param {(k: number, a: number, b: number, c: number, d: number, bits: number, text: undefined) => void} callback
 * @param {number} delay ms
 * @returns {number}
 */
export function iobSetTimer(callback, delay) {
  try {
    return setTimeout(() => callback(0, 0, 0, 0, 0, 0, undefined), delay);
  } catch {
    return 0;
  }
}

/**
 * Clears a timer `iobSetTimer` set (nothing for 0 or a timer that ran).
 * @param {number} id
 */
export function iobClearTimer(id) {
  clearTimeout(id);
}

/** `performance.now()` in ms (0 without a `performance`). */
export function iobNow() {
  return typeof performance === 'object' ? performance.now() : 0;
}

/**
 * Fills `bytes` with secure random values; 1, or 0 without Web Crypto (the
 * bytes are then left as they were: there is no weaker fallback).
 * @param {Uint8Array} bytes
 * @returns {number}
 */
export function iobRandom(bytes) {
  try {
    crypto.getRandomValues(bytes);
    return 1;
  } catch {
    return 0;
  }
}

/**
 * A JS `Error` named `name`, with `field` set when given.
 * @param {string} name
 * @param {string} message
 * @param {string | undefined} field
 */
export function iobError(name, message, field) {
  const e = new Error(message);
  e.name = name;
  if (field !== undefined) /** @type {any} */ (e).field = field;
  return e;
}
