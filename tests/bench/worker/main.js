// PROTOTYPE, not shipped: the features engine in a Web Worker, to measure
// what it saves on the main thread (`make bench-session-worker`). The main
// thread keeps what cannot move: the same passive listeners, observers and
// consent-signal readers as the shipped shell (web/js/*.js, imported as is),
// localStorage, and the final snapshot for `pagehide`. Events are batched as
// numbers (6 per event) and posted to the worker at most once a second (or
// every 256 events); the worker runs the core (tools/size-floor's bare C ABI
// build of src/), posts its requests itself, and after each batch sends back
// the snapshot that pagehide would send, which the main thread keeps ready
// and beacons on pagehide / visibilitychange→hidden.
//
// Known gaps (it is a measurement prototype): features(), explain() and
// consent.state() would have to be cached copies (the API is synchronous);
// the final snapshot is up to one batch old; only `site`, `endpoint` and
// `consent` are read from the script tag; no early queue; the size-floor ABI
// carries form hashes as f32 and a seeded (not crypto) id generator.
import { iobListen } from '../../../web/js/listen.js';
import { iobObserve } from '../../../web/js/observe.js';
import { iobSignals } from '../../../web/js/signals.js';

(function () {
  const script = /** @type {HTMLScriptElement} */ (document.currentScript);
  const d = script.dataset;
  const site = d.site || '';
  const endpoint = new URL(d.endpoint || '', location.href).href;
  /** @type {Record<string, string>} */
  const config = { site, endpoint };
  if (d.consent) config.consent = d.consent;
  /** @type {Storage | null} */
  let ls = null;
  try {
    ls = localStorage;
  } catch (_) {}
  const key = (/** @type {string} */ n) => `iob:${site}:${n}`;
  const stored = ['consent', 'seed', 'session', 'outbox', 'ldp', 'history'].map((n) => (ls && ls.getItem(key(n))) || '');
  const worker = new Worker(new URL('worker.js', script.src).href);
  const seed = new Uint32Array(2);
  crypto.getRandomValues(seed);
  worker.postMessage({
    init: [JSON.stringify(config), location.href, location.hostname, document.referrer, navigator.userAgent, ...stored].join('\u0001'),
    origin: performance.timeOrigin,
    seed: [seed[0], seed[1]],
    wasm: new URL('core.wasm', script.src).href,
  });

  // The batch: 6 numbers per event (kind, t, a, b, c, flags); form and route text apart.
  const SLOTS = 6;
  const MAX = 256;
  let buf = new Float64Array(MAX * SLOTS);
  let n = 0;
  /** @type {Array<[number, string]>} */
  let texts = [];
  /** @type {ReturnType<typeof setTimeout> | 0} */
  let timer = 0;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = 0;
    if (!n) return;
    const e = buf.slice(0, n * SLOTS);
    worker.postMessage({ e, t: texts }, [e.buffer]);
    n = 0;
    texts = [];
  };
  /** @param {number} k @param {number} t @param {number} a @param {number} b @param {number} c @param {number} flags @param {string} [text] */
  const push = (k, t, a, b, c, flags, text) => {
    const o = n * SLOTS;
    buf[o] = k;
    buf[o + 1] = t;
    buf[o + 2] = a;
    buf[o + 3] = b;
    buf[o + 4] = c;
    buf[o + 5] = flags;
    if (text !== undefined) texts.push([n, text]);
    if (++n === MAX) flush();
    else if (!timer) timer = setTimeout(flush, 1000);
  };

  // The snapshot pagehide sends, kept ready (the worker refreshes it after each batch).
  let final = '';
  let sent = '';
  const hide = () => {
    flush();
    if (final && final !== sent) {
      sent = final;
      try {
        if (!navigator.sendBeacon(endpoint, final)) fetch(endpoint, { method: 'POST', body: final, mode: 'no-cors', credentials: 'omit', keepalive: true }).catch(() => {});
      } catch (_) {}
    }
  };
  worker.onmessage = (m) => {
    const x = m.data;
    if (x.final) final = x.final;
    if (ls && x.store) {
      for (const [k, v] of x.store) {
        try {
          if (v === null) ls.removeItem(k);
          else ls.setItem(k, v);
        } catch (_) {}
      }
    }
  };

  // The scroll position, read at most once per frame after a scroll (as the shell does).
  let frame = 0;
  const readScroll = () => {
    frame = 0;
    push(50, performance.now(), scrollY, innerHeight, document.documentElement.scrollHeight, 0);
  };
  const askScroll = () => {
    if (!frame) frame = requestAnimationFrame(readScroll);
  };
  askScroll();

  // Listener k as in web/src/listeners.rs (EVENTS): same names, phases, targets and reads.
  const names = 'pointermove,click,keydown,wheel,touchstart,scroll,focus,blur,pagehide,input,submit,error,unhandledrejection,popstate,hashchange,visibilitychange,selectionchange';
  const captures = 0x873f; // bits 0-5, 8-10 and 15
  const onDocument = (1 << 15) | (1 << 16);
  const reads = '1,3,6,0,0,0,0,0,0,10,10,0,0,0,0,32,16';
  const selectors = '[data-iob-ignore],input[type=password i],input[type=hidden i]\ninput,textarea,select,[contenteditable]\na[href],area[href],input,select,textarea,label,summary,[contenteditable]';
  const stopListen = iobListen(names, captures, onDocument, reads, selectors, (k, t, x, y, flags, text) => {
    if (k === 5) return askScroll();
    if (k === 13 || k === 14) return push(k, t, 0, 0, 0, 0, location.pathname + location.hash + '\u0001' + location.href);
    push(k, t, x, y, 0, flags, text);
    if (k === 8 || (k === 15 && !(flags & 64))) hide();
    if (k === 15 && flags & 64) sent = '';
  });
  const stopObserve = iobObserve((kind, a, b) => {
    if (kind === 5) push(13, performance.now(), 0, 0, 0, 0, location.pathname + location.hash + '\u0001' + location.href);
    else push(100 + kind, performance.now(), a, b, 0, 0);
  });
  const stopSignals = iobSignals(0, 3000, (json) => worker.postMessage({ sig: json, at: performance.now(), wall: Date.now() }));

  /** @param {unknown} p */
  const mask = (p) => (Array.isArray(p) ? p : [p]).reduce((m, x) => m | (1 << ['security', 'analytics', 'personalization', 'marketing'].indexOf(String(x))), 0);
  const call = (/** @type {number} */ what, /** @type {number} */ arg) => {
    flush();
    worker.postMessage({ call: what, arg, at: performance.now(), wall: Date.now() });
  };
  /** @type {any} */ (window).iob = {
    consent: { grant: (/** @type {unknown} */ p) => call(7, mask(p)), deny: (/** @type {unknown} */ p) => call(8, mask(p)), revoke: () => call(5, 0), state: () => null },
    features: () => null,
    explain: () => null,
    on: () => () => {},
    track: () => push(200, performance.now(), 0, 0, 0, 0),
    flush: () => call(2, 0),
    shutdown: () => {
      stopListen();
      stopObserve();
      stopSignals();
      worker.terminate();
    },
  };
})();
