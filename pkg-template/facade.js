// The JS face of iob-sdk, shared by the npm entry (index.js) and the
// script-tag bundle (loader.js). It queues calls until the wasm is ready,
// turns JSON from the core into objects, and never lets a failure escape into
// the host page, except the typed errors a caller asked for.

/**
 * @typedef {import('./index.js').Iob} Iob
 * @typedef {import('./index.js').IobConfig} IobConfig
 * @typedef {import('./iob_sdk.js').Iob} WasmIob an instance of the wasm class
 * @typedef {'segment' | 'payload' | 'consent'} EventName
 */

/** Base class of every error the SDK throws on purpose. */
export class IobError extends Error {
  /** @param {string} message @param {string} [field] */
  constructor(message, field) {
    super(message);
    this.name = 'IobError';
    /** The offending config field or argument, when there is one. */
    this.field = field;
  }
}

/** A bad `init` configuration; `field` names the option. */
export class IobConfigError extends IobError {
  /** @param {string} message @param {string} [field] */
  constructor(message, field) {
    super(message, field);
    this.name = 'IobConfigError';
  }
}

/** An unknown purpose passed to `consent.grant`/`deny`; `field` is the purpose. */
export class IobConsentError extends IobError {
  /** @param {string} message @param {string} [field] */
  constructor(message, field) {
    super(message, field);
    this.name = 'IobConsentError';
  }
}

/** @type {Record<string, typeof IobConfigError | typeof IobConsentError>} */
const TYPED = { IobConfigError, IobConsentError };

/** The typed error for one the wasm threw (it names its class in `name`). @param {any} e */
function typed(e) {
  const T = e && TYPED[e.name];
  return T ? new T(e.message, e.field) : e;
}

/** @param {string} json */
function parse(json) {
  return json ? JSON.parse(json) : null;
}

/** @type {EventName[]} */
const EVENTS = ['segment', 'payload', 'consent'];

/**
 * Creates the SDK object at once; `load()` resolves to the wasm `Iob` class.
 * Calls made before it is ready are queued and replayed in order.
 * @param {() => Promise<typeof import('./iob_sdk.js').Iob>} load
 * @param {IobConfig} config
 * @returns {Iob}
 */
export function createIob(load, config) {
  /** @type {Record<string, Set<(data: unknown) => void>>} */
  const handlers = {};
  EVENTS.forEach((n) => (handlers[n] = new Set()));
  /** @type {Array<(i: WasmIob) => void>} */
  const queue = [];
  /** @type {WasmIob | null} */
  let inner = null;

  /**
   * Called from inside the wasm, which does not catch: it never throws.
   * @param {string} name @param {string} json
   */
  const emit = (name, json) => {
    try {
      const set = handlers[name];
      if (!set || !set.size) return;
      const data = parse(json);
      set.forEach((cb) => {
        try {
          cb(data);
        } catch (e) {
          // A throwing page callback must not affect the SDK or other callbacks.
        }
      });
    } catch (_) {}
  };
  /** Runs `fn` now, or queues it until the wasm is ready. @param {(i: WasmIob) => void} fn */
  const later = (fn) => {
    if (inner) return fn(inner);
    queue.push(fn);
  };
  /** @param {unknown} p */
  const list = (p) => (Array.isArray(p) ? p.map(String) : [String(p)]).join(',');
  /** @param {() => void} fn */
  const guard = (fn) => {
    try {
      return fn();
    } catch (e) {
      throw typed(e);
    }
  };

  /** @type {Iob} */
  const iob = {
    consent: {
      /** Grants purposes, e.g. `['analytics']`. */
      grant: (purposes) => guard(() => later((i) => i.grant(list(purposes)))),
      /** Denies purposes; denying analytics wipes storage and stops sending. */
      deny: (purposes) => guard(() => later((i) => i.deny(list(purposes)))),
      /** Withdraws all consent at once. */
      revoke: () => later((i) => i.revoke()),
      /** The current consent state and record (null before ready). */
      state: () => (inner ? parse(inner.consentState()) : null),
    },
    /** Live feature snapshot of this page view (null before ready). */
    features: () => (inner ? parse(inner.features()) : null),
    /** What is stored, what was last sent, and why (null before ready). */
    explain: () => (inner ? parse(inner.explain()) : null),
    /** Subscribes to 'segment' | 'payload' | 'consent'; returns an unsubscribe function. */
    on(name, cb) {
      const set = handlers[name];
      if (!set) throw new IobError('unknown event (expected segment, payload or consent)', String(name));
      const f = /** @type {(data: unknown) => void} */ (cb);
      set.add(f);
      return () => {
        set.delete(f);
      };
    },
    /**
     * Counts a custom conversion (`track('signup', { plan: 'pro' })`). The
     * name and props are never stored or sent: only the count, as `conversions`.
     */
    track: () => later((i) => i.track()),
    /** Sends a snapshot now, when consent allows. */
    flush: () => later((i) => i.flush()),
    /** Removes every listener and timer. */
    shutdown: () => later((i) => i.shutdown()),
    ready: Promise.resolve(/** @type {any} */ (null)),
  };

  iob.ready = load().then((Iob) => {
    try {
      // The shell reads it back with JSON.parse (web/js/flat.js): fractional
      // numbers (ldpEpsilon: 0.5) reach the core as text, lists
      // (pathTemplates) comma-separated; the core validates every option.
      inner = new Iob(JSON.stringify(config || {}), emit);
    } catch (e) {
      throw typed(e);
    }
    const ready = inner;
    queue.splice(0).forEach((fn) => {
      try {
        fn(ready);
      } catch (e) {
        // A queued call with a bad argument is dropped, not thrown later.
      }
    });
    return iob;
  });
  return iob;
}
