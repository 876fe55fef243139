// The page's `window` for web/src/browser.rs: read directly, so the wasm does
// not link js-sys's global-object lookup (four lazily cached probes, about
// 1 KB). `undefined` where there is no window (a worker, a server), which the
// constructor reports as `IobError: no window`.

/** @returns {Window | undefined} */
export function iobWindow() {
  return typeof window === 'object' ? window : undefined;
}
