// Small readers of browser state for web/src/browser.rs, each one import
// instead of a chain of web-sys getters (every getter is an import with its
// own glue, and an object it returns goes through the externref table).
// None of them throws.

/** The page's `window`; `undefined` where there is none (a worker, a server). */
export function iobWindow() {
  return typeof window === 'object' ? window : undefined;
}

/** `performance.now()` in ms (0 without a `performance`). */
export function iobNow() {
  return typeof performance === 'object' ? performance.now() : 0;
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
