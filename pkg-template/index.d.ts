/** Consent mode of the site. `opt-in` (default): nothing stored or sent before consent. */
export type ConsentMode = 'opt-in' | 'opt-out' | 'exempt';

/** A data use the visitor can allow or refuse. */
export type Purpose = 'security' | 'analytics' | 'personalization' | 'marketing';

/** Options of `init`. Unknown options are rejected with `IobConfigError`. */
export interface IobConfig {
  /** Site key: 1-64 characters of `a-z 0-9 . _ -`. */
  site: string;
  /** Collector ingest URL (`https://collector.example/v1/ingest`) or a same-origin path. */
  endpoint: string;
  /** Consent mode. Default `'opt-in'`. */
  consent?: ConsentMode;
  /** Idle timeout of `active_ms`, ms. Default 15000 (1000-600000). */
  idleTimeoutMs?: number;
  /** Version of the site's privacy policy, copied into consent records. Default `'1'`. */
  policyVersion?: string;
  /** Treat GPC and DNT as refusals of analytics and marketing. Default `true`. */
  respectGpc?: boolean;
  /** `'rotating'` (default): a pseudonym rotating every `rotationHours`; `'none'`: no visitor or session id. */
  identity?: 'rotating' | 'none';
  /** Pseudonym rotation period in hours. Default 24 (1-8760). */
  rotationHours?: number;
  /**
   * Whether the GDPR applies, for IAB TCF (script tag: `data-gdpr-applies`).
   * `'auto'` (default): ask the CMP; `true`: no CMP answer means no consent;
   * `false`: TCF never restricts.
   */
  gdprApplies?: 'auto' | boolean | 'true' | 'false';
  /** How long to look for a (late) TCF CMP, ms. Default 3000 (0-60000). */
  tcfTimeoutMs?: number;
  /** Read `vendor.consents[id]` (with `purpose.consents`) instead of `publisher.consents`. */
  tcfVendorId?: number;
  /**
   * Features reported under local differential privacy instead of in the
   * clear: `'name[:bound],…'`, e.g. `'clicks:20,active_ms:600000'` (counts
   * and durations: geometric mechanism after clamping to the bound; flags:
   * randomised response).
   */
  ldp?: string;
  /** ε per LDP feature per payload. Default 1 (0.01-10). */
  ldpEpsilon?: number | string;
  /** The visitor's daily ε budget; a payload that would exceed it is not sent. Default 10. */
  ldpDailyEpsilon?: number | string;
  /** Periodic cumulative snapshots on long pages, only while there is new activity, ms. Default 60000 (1000-86400000). */
  snapshotIntervalMs?: number;
}

/** Cumulative features of the current page view. Absent keys are 0. */
export interface Features {
  /** Visible, focused time within `idleTimeoutMs` of the last input, ms. */
  active_ms?: number;
  /** Time the page was visible, ms. */
  visible_ms?: number;
  /** Time since the page view started, ms. */
  total_ms?: number;
  /** Deepest scroll position reached, percent of the document (0-100). */
  scroll_depth_max_pct?: number;
  /** Click count. */
  clicks?: number;
}

/** The signal that decided analytics. */
export type ConsentSource = 'api' | 'gpc' | 'dnt' | 'tcf' | 'gcm' | 'default';

/** A local consent record, made on every change. */
export interface ConsentRecord {
  /** Random 128-bit id (32 hex digits); payloads carry only this id. */
  id: string;
  /** UTC time of the change, Unix ms. */
  at_ms: number;
  granted: Purpose[];
  denied: Purpose[];
  source: ConsentSource;
  policy_version: string;
  gpc: boolean;
  dnt: boolean;
  tc_string?: string;
}

/** What `consent.state()` returns and the `consent` event delivers. */
export interface ConsentState {
  /** The site's consent mode (from the config). */
  mode: ConsentMode;
  /** Purposes in effect now. `security` is always granted: it never leaves the device. */
  granted: Purpose[];
  /** Purposes refused, by the visitor or by a signal. */
  denied: Purpose[];
  /** The record of the last change, or null while nothing was decided. */
  record: ConsentRecord | null;
}

/** What `explain()` returns. */
export interface Explanation {
  consent: ConsentState;
  /** `localStorage` keys the SDK holds now. */
  stored_keys: string[];
  /** Where payloads go. */
  sends_to: string;
  features: Features;
  /** The last payload sent, as JSON text (null if none). */
  last_payload: string | null;
  /** Why data is or is not sent, in plain words. */
  why: string;
}

/** A payload as sent (see docs/payload.schema.json). */
export interface Payload {
  v: 1;
  id: string;
  pv: string;
  seq: number;
  site: string;
  vid?: string;
  sid?: string;
  hour: number;
  consent: { record: string; purposes: Purpose[] };
  ctx: { path: string; referrer_domain?: string; device_class: string; browser_family: string };
  f: Features;
  /** Features reported under local differential privacy (absent when none), with the parameters needed to debias. */
  ldp?: Array<{ f: string; m: 'rr' | 'geo'; eps_milli: number; hi?: number; v: number }>;
}

/** The events of `iob.on(name, cb)` and the data each callback receives. */
export interface IobEvents {
  /** The visitor's on-device segment changed. Computed and delivered locally; nothing is sent. */
  segment: string;
  /** A payload was handed to the transport (the exact JSON that left the device, parsed). */
  payload: Payload;
  /** The consent state changed (grant, deny, revoke, or a signal such as GPC, TCF, Consent Mode). */
  consent: ConsentState;
}

/** The name of an event of `iob.on`. */
export type IobEventName = keyof IobEvents;

/** Removes the callback it was returned for. Calling it twice is harmless. */
export type Unsubscribe = () => void;

export interface Iob {
  consent: {
    /** Grants purposes. Throws `IobConsentError` on an unknown purpose. */
    grant(purposes: Purpose | Purpose[]): void;
    /** Denies purposes; denying analytics wipes storage and stops sending. */
    deny(purposes: Purpose | Purpose[]): void;
    /** Withdraws all consent at once. */
    revoke(): void;
    /** Current state, or null before the wasm is ready. */
    state(): ConsentState | null;
  };
  /** Live snapshot, or null before ready. */
  features(): Features | null;
  /** What is stored, what was last sent, and why; null before ready. */
  explain(): Explanation | null;
  /**
   * Subscribes to an event; returns an unsubscribe function. A callback that
   * throws does not affect the SDK or other callbacks. An unknown name throws `IobError`.
   */
  on<K extends IobEventName>(name: K, cb: (data: IobEvents[K]) => void): Unsubscribe;
  /** Sends a snapshot now, when consent allows. */
  flush(): void;
  /** Removes every listener and timer. */
  shutdown(): void;
  /** Resolves when the wasm is loaded; rejects with `IobConfigError` on a bad config. */
  ready: Promise<Iob>;
}

/**
 * Base class of every error the SDK throws on purpose. Nothing else escapes:
 * failures inside listeners and timers are contained and never reach the page.
 */
export declare class IobError extends Error {
  constructor(message: string, field?: string);
  name: 'IobError' | 'IobConfigError' | 'IobConsentError';
  /** The offending option or argument, when there is one (e.g. `'site'`, `'consent'`, `'ads'`). */
  field?: string;
}
/**
 * A bad `init` configuration: a missing or malformed option, or an unknown one.
 * `field` names the option. `init` rejects with it; `create(...).ready` too.
 */
export declare class IobConfigError extends IobError {
  name: 'IobConfigError';
}
/** An unknown purpose passed to `consent.grant` / `consent.deny`; `field` is the purpose. */
export declare class IobConsentError extends IobError {
  name: 'IobConsentError';
}

/**
 * Starts the SDK; resolves once the wasm is loaded (it is fetched from next
 * to this module through `new URL('iob_sdk_bg.wasm', import.meta.url)`).
 * Call it once per page, at the root of the app.
 *
 * @throws {IobConfigError} (as a rejection) when an option is missing, malformed or unknown; `field` names it.
 * @example
 * const iob = await init({ site: 'my-site', endpoint: 'https://collector.example/v1/ingest' });
 * iob.consent.grant(['analytics']); // from your consent banner
 */
export declare function init(config: IobConfig): Promise<Iob>;
/**
 * Starts the SDK and returns it at once: calls made before the wasm is
 * ready are queued and replayed in order; `ready` settles like `init`.
 */
export declare function create(config: IobConfig): Iob;
