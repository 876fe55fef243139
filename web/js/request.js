// Requests of iob-web (imported by web/src/transport.rs): the unload beacon,
// posts and delivery probes. Only the status (and a probe's `Iob-Stored`
// header) comes back; nothing throws into the page or logs. Codes shared with Rust are defined in web/src/codes.rs.

/** Request kinds. */
const BEACON = 0;
const POST = 1;
const PROBE = 2;

/**
 * Sends one request. A post or probe always gets its `done(0, status, 0, 0,
 * 0, 0, stored)` call (the shell's one callback signature, `Callback` in
 * web/src/browser.rs): the status (0 when the request failed: offline,
 * refused, CORS) and, for a probe, the answer's `Iob-Stored` header (the
 * snapshot the collector holds; undefined when absent), which the core
 * checks. The call always comes later, never from within `iobRequest`.
 * - BEACON: `sendBeacon` with a `text/plain` body; when refused, `fetch`
 *   (`no-cors`, `keepalive`). Fire and forget.
 * - POST: `fetch` with a `text/plain` body (no preflight), `keepalive`, no credentials.
 * - PROBE: `HEAD`, no body, no cache.
 * @param {number} kind BEACON | POST | PROBE
 * @param {string} url
 * @param {string} body
 * @param {(k: number, status: number, b: number, c: number, d: number, bits: number, stored: string | undefined) => void} done
 * @returns {void}
 */
export function iobRequest(kind, url, body, done) {
  try {
    if (kind === BEACON && navigator.sendBeacon(url, body)) return;
  } catch (_) {}
  /** @type {RequestInit} */
  const init = { method: kind === PROBE ? 'HEAD' : 'POST', mode: kind === BEACON ? 'no-cors' : 'cors', credentials: 'omit', keepalive: kind !== PROBE };
  if (kind === PROBE) init.cache = 'no-store';
  else init.body = body;
  /** @type {(status: number, stored?: string | null) => void} */
  const report = kind === BEACON ? () => {} : (status, stored) => done(0, status, 0, 0, 0, 0, stored ?? undefined);
  try {
    fetch(url, init).then(
      (r) => report(r.status, kind === PROBE ? r.headers.get('Iob-Stored') : null),
      () => report(0),
    );
  } catch (_) {
    // A `fetch` that throws at once (a page's wrapper, a blocker): reported
    // after this call returns, since the shell is busy carrying out the
    // effect that made the request and would drop a report made now.
    queueMicrotask(() => report(0));
  }
}
