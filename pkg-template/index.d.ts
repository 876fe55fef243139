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

/**
 * Cumulative features of the current page view (docs/features.md has the
 * exact definitions). Absent keys are 0 / false. `features()` adds `segment`.
 */
export interface Features {
  /** Visible AND focused time within `idleTimeoutMs` of the last input, ms (idle gaps count up to the timeout). */
  active_ms?: number;
  /** Time the page was visible, ms. */
  visible_ms?: number;
  /** Time since the page view started, ms. */
  total_ms?: number;
  /** Deepest scroll position reached, percent of the document (0-100). */
  scroll_depth_max_pct?: number;
  /** Click count (trusted or not). */
  clicks?: number;
  /** `active_ms >= 10000`, or a conversion, or `pageviews >= 2`. */
  engaged?: boolean;
  /** Summed |change of scrollY| between readings, px. */
  scroll_distance_px?: number;
  /** Times the scrolling direction flipped. */
  scroll_reversals?: number;
  /** Bursts of >= 3 clicks, each <= 1000 ms and <= 30 px from the previous (a burst counts once). */
  rage_clicks?: number;
  /** Clicks on non-links with no DOM mutation, navigation, scroll or selection change within 2500 ms. */
  dead_clicks?: number;
  /** Clicks followed by an uncaught error within 1000 ms. */
  error_clicks?: number;
  /** Times the page was hidden and shown again within 5 s. */
  quick_backs?: number;
  /** 0-1: x / (1 + x), x = rage_clicks + error_clicks + 0.5 (dead_clicks + quick_backs). */
  frustration_score?: number;
  /** Forms with at least one edit (fields known only by a hash of form name, field name and type). */
  forms_started?: number;
  /** Started forms that were submitted. */
  forms_submitted?: number;
  /** Forms started and not submitted when the page view ended. */
  forms_abandoned?: number;
  /** Backspace/Delete runs in fields plus re-edits of a field after leaving it. */
  field_corrections?: number;
  /** First edit to submit of the first submitted form, ms. */
  time_to_submit_ms?: number;
  /** Key presses (classified char/delete/navigation/enter; never the key value). */
  keystrokes?: number;
  /** Mean interval between key presses (intervals <= 2000 ms), ms. */
  interkey_mean_ms?: number;
  /** Coefficient of variation of those intervals (near 0 = machine-regular). */
  interkey_cv?: number;
  /** Backspace/Delete presses over key presses (0-1). */
  delete_ratio?: number;
  /** Summed pointer movement, px. */
  pointer_distance_px?: number;
  /** Displacement over path length of pointer strokes >= 50 px (0-1, 1 = straight). */
  pointer_straightness?: number;
  /** Pointer distance over moving time, px/s. */
  pointer_speed_mean?: number;
  /** Pointer turns of more than 90 degrees. */
  direction_changes?: number;
  /** Page views of the session so far, this one included. */
  pageviews?: number;
  /** SPA route changes (history API, hashchange) in this document so far. */
  route_changes?: number;
  /** `track()` calls in this page view. */
  conversions?: number;
  /** 0-1 from the flags below and the shares of untrusted events and clicks without a path. */
  automation_score?: number;
  /** `navigator.webdriver` is true. */
  flag_webdriver?: boolean;
  /** An input event was dispatched by script (`isTrusted` false). */
  flag_untrusted?: boolean;
  /** A click had no pointer move or touch in the second before it. */
  flag_click_no_path?: boolean;
  /** Near-zero variance of key or click timing. */
  flag_regular_timing?: boolean;
  /** Every long pointer stroke (>= 3 of them) was perfectly straight. */
  flag_straight_path?: boolean;
  /** A pointer segment > 100 px at > 20 px/ms. */
  flag_superhuman?: boolean;
  /** Largest Contentful Paint (web-vitals), ms. */
  lcp_ms?: number;
  /** Cumulative Layout Shift (web-vitals, largest session window). */
  cls?: number;
  /** Interaction to Next Paint (web-vitals), ms. */
  inp_ms?: number;
  /** Main-thread tasks over 50 ms. */
  long_tasks?: number;
  /** This visit's number for the visitor (personalization consent only). */
  visit_index?: number;
  /** Days between the previous visit and this one (personalization consent only). */
  days_since_last_visit?: number;
  /** Visits in the last 30 days, this one included (personalization consent only). */
  visits_30d?: number;
  /** 0 no baseline; 1-5: z-score bucket of active_ms against the visitor's own baseline (3 = typical). */
  behaviour_shift?: number;
  /** Payloads the bounded outbox dropped (delivery health). */
  outbox_dropped?: number;
  /** The on-device segment (only in `features()`, never sent). */
  segment?: Segment;
}

/** On-device segments (see docs/features.md); `null` when none applies. */
export type Segment = 'engaged_reader' | 'skimmer' | 'bouncer' | 'frustrated' | 'likely_bot';

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
  segment: Segment | null;
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
  /** Counts a custom conversion (`conversions`); the name and props are never stored or sent. */
  track(name: string, props?: Record<string, unknown>): void;
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
