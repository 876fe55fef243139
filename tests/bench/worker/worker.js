// PROTOTYPE, not shipped: the worker half of tests/bench/worker/main.js. It
// runs the pure core (tools/size-floor: the tracker behind a bare C ABI, no
// imports) on the batches the page posts, carries out requests itself, sends
// storage writes back to the page, and after each batch sends the page the
// snapshot that pagehide would beacon (a flush it acknowledges itself).
import { iobPairs } from '../../../web/js/flat.js';

/** @type {any} */
let core = null;
/** @type {Array<any>} */
const early = [];
let offset = 0; // page clock = worker clock + offset
const enc = new TextEncoder();
const dec = new TextDecoder();
const now = () => performance.now() + offset;
/** @param {string} s */
const put = (s) => {
  const b = enc.encode(s);
  const p = core.buf(b.length);
  new Uint8Array(core.memory.buffer, p, b.length).set(b);
};
/** @param {number} len */
const out = (len) => (len ? dec.decode(new Uint8Array(core.memory.buffer, core.out_ptr(), len)) : '');
/** 32-bit FNV-1a, as web/src/listeners.rs. @param {string} s */
const fnv = (s) => {
  let h = 0x811c9dc5;
  for (const b of enc.encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
};
let route = '';
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
/** @type {string} */
let endpoint = '';
let inFlight = false;

/** Carries out the core's effects; `candidate`: the flush's post is the page's final snapshot. */
const effects = (candidate = false) => {
  const lines = out(core.read(4, now())).split('\n');
  /** @type {Array<[string, string | null]>} */
  const store = [];
  for (const line of lines) {
    if (!line) continue;
    const tag = line[0];
    const [a, b] = line.slice(1).split('\u0001');
    if (tag === 'W' && !a.endsWith(':outbox')) store.push([a, b]);
    else if (tag === 'R' && !a.endsWith(':outbox')) store.push([a, null]);
    else if ((tag === 'P' || tag === 'p') && candidate) {
      postMessage({ final: a });
      core.call(6, now(), Date.now(), 204);
    } else if (tag === 'P' || tag === 'p' || tag === 'S') request('POST', endpoint, a);
    else if (tag === 'H') request('HEAD', a, '');
  }
  if (store.length) postMessage({ store });
};
/** @param {string} method @param {string} url @param {string} body */
const request = (method, url, body) => {
  inFlight = true;
  fetch(url, method === 'HEAD' ? { method, cache: 'no-store' } : { method, body, mode: 'cors', credentials: 'omit', keepalive: true }).then(
    (r) => done(r.status),
    () => done(0),
  );
};
/** @param {number} status */
const done = (status) => {
  inFlight = false;
  arm(core.call(6, now(), Date.now(), status));
  effects();
};
/** @param {number} wake */
const arm = (wake) => {
  if (timer) clearTimeout(timer);
  timer = wake >= 0 ? setTimeout(() => (arm(core.call(1, now(), Date.now(), 0)), effects()), Math.max(0, wake - now())) : undefined;
};

/** One batch of events from the page. @param {Float64Array} e @param {Array<[number, string]>} texts */
const batch = (e, texts) => {
  const text = new Map(texts);
  let hidden = false;
  for (let i = 0; i < e.length / 6; i++) {
    const [k, t, a, b, c, flags] = e.subarray(i * 6, i * 6 + 6);
    const trusted = flags & 1;
    switch (k) {
      case 0: core.event(0, t, a, b, 0, trusted); break;
      case 1: core.event(1, t, a, b, 0, trusted | (flags & 4 ? 2 : 0)); break;
      case 2: core.event(2, t, 0, 0, 0, trusted | (flags & 8 ? 2 : 0) | (a << 2)); break;
      case 3: core.event(3, t, 0, 0, 0, 0); break;
      case 4: core.event(4, t, 0, 0, 0, 0); break;
      case 6: core.event(7, t, 0, 0, 0, 1); break;
      case 7: core.event(7, t, 0, 0, 0, 0); break;
      case 8: core.event(13, t, 0, 0, 0, 0); hidden = true; break;
      case 9: {
        const s = text.get(i);
        if (s !== undefined && flags & 8) core.event(11, t, fnv(s.split('\0')[0]), fnv(s), 0, 0);
        break;
      }
      case 10: {
        const s = text.get(i);
        if (s !== undefined) core.event(12, t, fnv(s.split('\0')[0]), 0, 0, 0);
        break;
      }
      case 11: case 12: core.event(10, t, 0, 0, 0, 0); break;
      case 13: case 14: {
        const [r, href] = (text.get(i) || '').split('\u0001');
        if (r !== route) {
          route = r;
          put(href);
          core.page(1, t, Date.now());
        }
        break;
      }
      case 15: core.event(6, t, 0, 0, 0, flags & 64 ? 1 : 0); if (!(flags & 64)) hidden = true; break;
      case 16: core.event(9, t, 0, 0, 0, 0); break;
      case 50: core.event(5, t, a, b, c, 0); break;
      case 100: core.event(8, t, 0, 0, 0, 0); break;
      case 101: core.event(14, t, a, 0, 0, 0); break;
      case 102: core.event(15, t, a, b, 0, 0); break;
      case 103: core.event(16, t, b, 0, 0, a); break;
      case 104: core.event(17, t, 0, 0, 0, 0); break;
      case 200: core.call(4, t, Date.now(), 0); break;
    }
  }
  if (hidden) arm(core.call(0, now(), Date.now(), 0));
  effects();
  // The snapshot pagehide would send, for the page to keep ready (unless a request is out).
  if (!inFlight) {
    arm(core.call(2, now(), Date.now(), 0));
    effects(true);
  }
};

/** @param {any} x */
const handle = (x) => {
  if (x.e) batch(x.e, x.t);
  else if (x.sig) {
    put(iobPairs(x.sig) ?? '');
    core.page(0, x.at, x.wall);
    effects();
  } else if (x.call !== undefined) {
    arm(core.call(x.call, x.at, x.wall, x.arg));
    effects();
  }
};

onmessage = async (m) => {
  const x = m.data;
  if (!x.init) return core ? handle(x) : early.push(x);
  offset = performance.timeOrigin - x.origin;
  const parts = x.init.split('\u0001');
  endpoint = JSON.parse(parts[0]).endpoint;
  // The core reads JSON as pairs text (src/flat.rs): the config, the stored
  // consent, outbox and history.
  for (const i of [0, 5, 8, 10]) if (parts[i]) parts[i] = iobPairs(parts[i]) ?? '';
  route = new URL(parts[1]).pathname + new URL(parts[1]).hash;
  const { instance } = await WebAssembly.instantiateStreaming(fetch(x.wasm), {});
  core = instance.exports;
  put(parts.join('\u0001'));
  core.start(now(), Date.now(), (BigInt(x.seed[0]) << 32n) | BigInt(x.seed[1]));
  effects();
  early.splice(0).forEach(handle);
};
