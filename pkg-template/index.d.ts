/** Consent mode of the site. `opt-in` (default): nothing stored or sent before consent. */
export type ConsentMode = 'opt-in' | 'opt-out' | 'exempt';

/** A data use the visitor can allow or refuse. */
export type Purpose = 'security' | 'analytics' | 'personalization' | 'marketing';

// <generated: IobConfig, from src/options.rs by `make docs`>
/** Options of `init` (script tag: the `data-*` attributes in kebab-case). Unknown options are rejected with `IobConfigError`. */
export interface IobConfig {
  /** Site key: 1-64 characters of `a-z 0-9 . _ -`. (1-64 characters) */
  site: string;
  /** Collector ingest URL (`https://collector.example/v1/ingest`) or a same-origin path starting with `/`. (1-2048 characters) */
  endpoint: string;
  /** Consent mode: `opt-in` (nothing stored or sent before consent), `opt-out` (on unless refused) or `exempt` (CNIL-style audience measurement). Default `'opt-in'`. */
  consent?: 'opt-in' | 'opt-out' | 'exempt';
  /** Idle timeout of `active_ms`, ms: time more than this after the last input is not active. Default `15000`. (1000-600000) */
  idleTimeoutMs?: number;
  /** Version of the site's privacy policy, copied into consent records. Default `'1'`. (1-32 characters) */
  policyVersion?: string;
  /** Treat GPC and DNT as refusals of analytics, marketing and personalization. Default `true`. */
  respectGpc?: boolean;
  /** `rotating`: a pseudonym rotating every `rotationHours`; `none`: no visitor or session id at all. Default `'rotating'`. */
  identity?: 'rotating' | 'none';
  /** How often the sent pseudonym rotates, hours. Default `24`. (1-8760) */
  rotationHours?: number;
  /** Periodic cumulative snapshots on long pages, only while there is new activity, ms. Default `60000`. (1000-86400000) */
  snapshotIntervalMs?: number;
  /** Whether the GDPR applies, for IAB TCF: `auto` asks the CMP; `true`: no CMP answer within `tcfTimeoutMs` means no consent; `false`: TCF restricts only when a CMP itself says GDPR applies. Default `'auto'`. */
  gdprApplies?: 'auto' | 'true' | 'false' | boolean;
  /** How long to look for a (late) TCF CMP and wait for its answer, ms. Default `3000`. (0-60000) */
  tcfTimeoutMs?: number;
  /** Read `vendor.consents[id]` (with `purpose.consents`) instead of `publisher.consents`. (1-65535) */
  tcfVendorId?: number;
  /** Features reported under local differential privacy instead of in the clear: `name[:bound]`, comma-separated (`clicks:20,active_ms:600000`); each a count, duration or flag this build computes (the lite build refuses a full-only feature). (1-2048 characters) */
  ldp?: string;
  /** ε per LDP feature per payload. Default `1`. (0.01-10) */
  ldpEpsilon?: number | string;
  /** The visitor's daily ε budget; a payload that would exceed it is not sent. Default `10`. (0.01-1000) */
  ldpDailyEpsilon?: number | string;
  /** Route templates whose `:name` segments are replaced by `:name` in the sent path (`['/users/:name', '/search/:q']`): names in paths, which no pattern recognises, never leave. Each starts with `/`; a template matches a path with the same number of segments whose other segments are equal. (comma-separated, 1-2048 characters) */
  pathTemplates?: string | string[];
}
// </generated: IobConfig>

// <generated: Features, Segment, Payload, from docs/payload.schema.json by `make docs`>
/**
 * Cumulative features of a page view (docs/features.md has the exact
 * definitions). Absent keys are 0 / false. `features()` adds `segment`.
 */
export interface Features {
  /** Time the page was visible AND focused AND within idle_timeout_ms (default 15000) of the last trusted user input (pointer move, click, key, wheel, touch, form input including IME and virtual keyboards, or a change of the scroll position). An idle gap counts only up to the timeout; before the first input nothing counts. Input just before an SPA route change still counts for the new page view; events dispatched by script do not count; focus moving into an embedded iframe is not leaving the page. (ms) */
  active_ms?: number;
  /** min(1, 0.5 webdriver + 0.5 untrusted_share + 0.3 no_path_share + 0.2 regular + 0.2 straight + 0.2 superhuman): untrusted_share is untrusted input events (pointer moves, clicks, keys) over input events, no_path_share is pointer clicks without a path over clicks, the others are the flags below as 0/1. (score 0-1) */
  automation_score?: number;
  /** Bucket of the z-score of this visit's active_ms so far (its page views summed, this one included) against the visitor's own rolling baseline (exponentially weighted mean and variance, weight 0.3, of earlier visits' active_ms; sd floored at 10% of the mean and 1 s): 0 no baseline (< 3 earlier visits), 1 z <= -2, 2 -2 < z <= -1, 3 -1 < z < 1, 4 1 <= z < 2, 5 z >= 2. Personalization consent only. (bucket 0-5) */
  behaviour_shift?: number;
  /** Number of click events on the page (trusted or not). (count) */
  clicks?: number;
  /** Cumulative Layout Shift, as Google's web-vitals: the largest session window of layout-shift values without recent input (shifts < 1 s apart, window < 5 s). Reported only when the first contentful paint came before the page was first hidden. (score) */
  cls?: number;
  /** Calls of track(name, props) in the page view; the name and props are never stored or sent. (count) */
  conversions?: number;
  /** Whole days between the end of the previous visit and the start of this one, sent as the lower bound of its bucket: 0, 1, 2 (2-6), 7 (7-29) or 30 (30 or more); exact on the device. Personalization consent only. (bucket of days) */
  days_since_last_visit?: number;
  /** Clicks on an element that has no native action of its own (not inside a[href], area[href], input, select, textarea, label, summary or a contenteditable element; a button is judged like any element, its form submission or the page's reaction answers it) followed within 2500 ms by no DOM mutation (open shadow roots on the click's path included), no navigation (one starting, page end, back/forward cache, SPA route change, form submission), no scroll and no selection change (for a pointer click, none since its press either: a press removes or starts a selection as the button goes down, before the click). Judged once 2500 ms have passed; up to 16 waiting clicks are judged one by one, more join the latest and are judged with it. (count) */
  dead_clicks?: number;
  /** Backspace/Delete presses divided by keystrokes. (ratio 0-1) */
  delete_ratio?: number;
  /** Turns of more than 90 degrees between consecutive pointer movement segments of >= 2 px. (count) */
  direction_changes?: number;
  /** True when active_ms >= 10000, or a conversion (track) happened, or the session has >= 2 page views (pageviews >= 2, earlier page views of the session included). (flag) */
  engaged?: boolean;
  /** Clicks followed within 1000 ms by an uncaught error or unhandled promise rejection: an error counts every click of the 1000 ms before it that has not counted yet, so each click counts at most once. (count) */
  error_clicks?: number;
  /** Runs of Backspace/Delete presses inside form fields, plus edits of a field after the visitor had moved on to another field (fields told apart by their 32-bit hash; the first 64 distinct fields of the page view are remembered). (count) */
  field_corrections?: number;
  /** At least one pointer click had no pointer move or touch in the 1000 ms before it (clicks activated from the keyboard, event.detail 0, are not judged). (flag) */
  flag_click_no_path?: boolean;
  /** Near-zero timing variance: >= 10 key intervals with interkey_cv < 0.05, or >= 5 click intervals (each <= 10 s) with a CV < 0.05. (flag) */
  flag_regular_timing?: boolean;
  /** >= 3 pointer strokes of >= 50 px, all perfectly straight (displacement >= 0.999 of path length). (flag) */
  flag_straight_path?: boolean;
  /** A pointer movement segment longer than 100 px covered at more than 20 px/ms. (flag) */
  flag_superhuman?: boolean;
  /** At least one input event (pointer move, click, key) had isTrusted false: it was dispatched by script. (flag) */
  flag_untrusted?: boolean;
  /** navigator.webdriver is true. (flag) */
  flag_webdriver?: boolean;
  /** Forms started and not submitted when the page view ends (pagehide, except into the back/forward cache, from which the page view may continue; or an SPA route change). (count) */
  forms_abandoned?: number;
  /** Forms with at least one edit in an observed field (at most 8 distinct forms per page view). A field is identified only by a hash of form name, field name and input type; password, hidden and data-iob-ignore fields are not observed. (count) */
  forms_started?: number;
  /** Started forms that fired a submit event (each form counts once). (count) */
  forms_submitted?: number;
  /** x / (1 + x) with x = rage_clicks + error_clicks + 0.5 * (dead_clicks + quick_backs): 0 without frustration, 0.5 after one rage burst or error click, tending to 1. (score 0-1) */
  frustration_score?: number;
  /** Interaction to Next Paint, as Google's web-vitals: the 98th percentile of interaction latency over all interactions of the page view, counted by the browser (performance.interactionCount, or web-vitals' estimate from interaction ids): of the 10 longest interactions (event timing entries of >= 40 ms and first-input, grouped by interactionId), the one at index min(9, floor(interactions / 50)). An interaction counts in the page view it started in: at an SPA route change the entries the browser has made go into the old page view's last snapshot, and one that started before the change but whose entry comes later (with the next paint: the click that made the change, say) is the old page view's, whose snapshot is then sent again with the next seq (only the page view just left), never the new page view's. (ms) */
  inp_ms?: number;
  /** Coefficient of variation (population standard deviation / mean) of the same intervals; near 0 means machine-regular typing. (ratio) */
  interkey_cv?: number;
  /** Mean interval between consecutive key presses, over intervals of at most 2000 ms (longer gaps are pauses). (ms) */
  interkey_mean_ms?: number;
  /** Key presses (auto-repeats and lone modifier keys excluded; keys reported as Unidentified or Process, as Android keyboards and IME composition do, count as characters). Keys are classified char/delete/navigation/enter; the key value is never kept. Keys in password, hidden and data-iob-ignore fields are not observed. (count) */
  keystrokes?: number;
  /** Largest Contentful Paint, as Google's web-vitals: start time of the last largest-contentful-paint entry that started before the first trusted click or key press and before the page was first hidden, minus activationStart (prerendered pages), at least 0. Not reported for a page loaded hidden. An SPA page view has the entries delivered during it (LCP stops at the first input, so only a route change during the load gets one). (ms) */
  lcp_ms?: number;
  /** longtask entries (main-thread tasks over 50 ms) observed during the page view. (count) */
  long_tasks?: number;
  /** Unacknowledged payloads (of any page view of this site) that the SDK's bounded outbox dropped, oldest first, because it was full; counted on the device and reported once, by the page view that was current when the drop was seen. Cumulative within the page view. (count) */
  outbox_dropped?: number;
  /** Page views of the session so far, this one included: this document's (1 + SPA route changes), plus earlier ones in the same session (from the session record, kept with analytics consent) or visit (on-device history, personalization consent), whichever knows more. (count) */
  pageviews?: number;
  /** Summed length of pointer movement (pointermove positions), counting only moves less than 250 ms apart (a longer pause is a jump, not movement). (px) */
  pointer_distance_px?: number;
  /** pointer_distance_px divided by the time spent moving (intervals between moves of at most 250 ms, moves of zero length included), in px per second. (px/s) */
  pointer_speed_mean?: number;
  /** Over pointer strokes (movement between pauses > 250 ms or clicks) of >= 50 px: total straight-line displacement / total path length. 1 = perfectly straight. (ratio 0-1) */
  pointer_straightness?: number;
  /** Returns to a page within 5000 ms of leaving it, counted on the page view returned to: the page hidden (another tab or app) and visible again; or, after leaving it for another page of the site, the page reached again by back/forward (the session record tells when the visitor left; analytics consent) or by an SPA route back to the page view before the last. (count) */
  quick_backs?: number;
  /** Bursts of >= 3 clicks, each <= 1000 ms and <= 30 px (CSS) from the previous click; one burst counts once however long it lasts. (count) */
  rage_clicks?: number;
  /** SPA route changes in this document so far (pushState, replaceState, popstate or hashchange changing the path, or the fragment of a hash route: #/... or #!...; an in-page anchor such as #section is not one); each starts a new page view. (count) */
  route_changes?: number;
  /** Maximum over the page view of (scrollY + innerHeight) / scrollHeight, as a whole percentage clamped to 0-100. (percent) */
  scroll_depth_max_pct?: number;
  /** Sum over consecutive scroll readings (at most one per animation frame) of |change of scrollY|, CSS pixels. (px) */
  scroll_distance_px?: number;
  /** Number of times the vertical scrolling direction flips (down to up or up to down) between consecutive readings. (count) */
  scroll_reversals?: number;
  /** For the first submitted form: time from its first edit to its submit event. (ms) */
  time_to_submit_ms?: number;
  /** Time from the start of the page view to the snapshot: from the page's time origin (navigation start) for the first page view of a document, from the route change for an SPA page view. (ms) */
  total_ms?: number;
  /** Time the document's visibilityState was 'visible' during the page view (for the first page view of a document, from the page's time origin, taking the visibility at SDK start-up as the state before it). (ms) */
  visible_ms?: number;
  /** Number of this visit for the visitor on this site (1 = first; a visit ends after 30 min without activity, or when the wall clock moved more than 30 min back), sent as the lower bound of its bucket: 1, 2 (2-3), 4 (4-7) or 8 (8 or more); exact on the device (features()). Needs personalization consent (history on the device), else absent. (bucket) */
  visit_index?: number;
  /** Visits that started in the last 30 UTC days, this one included, sent as the lower bound of its bucket: 1, 2 (2-3), 4 (4-7) or 8 (8 or more); exact on the device. Personalization consent only. (bucket) */
  visits_30d?: number;
  /** The on-device segment (only in `features()`, never sent). */
  segment?: Segment;
}

/** On-device segments (see docs/features.md); `null` when none applies. */
export type Segment = 'engaged_reader' | 'skimmer' | 'bouncer' | 'frustrated' | 'likely_bot';

/** A payload as sent (docs/payload.schema.json). */
export interface Payload {
  /** The SDK build that sent the payload */
  build: 'full' | 'lite';
  consent: {
    purposes: Array<'security' | 'analytics' | 'personalization' | 'marketing'>;
    /** Per-period consent reference: a keyed hash of the local consent record's id and the pseudonym period */
    ref: string;
  };
  ctx: {
    browser_family: 'chrome' | 'edge' | 'firefox' | 'safari' | 'other';
    device_class: 'desktop' | 'mobile' | 'tablet' | 'other';
    path: string;
    referrer_domain?: string;
  };
  f: Features;
  hour: number;
  id: string;
  /** Features reported under local differential privacy instead of in f, with the mechanism's parameters for debiasing (see docs/consent-and-privacy.md, Local differential privacy). */
  ldp?: Array<{
    /** epsilon of this report, in thousandths */
    eps_milli: number;
    f: Features;
    /** clamp bound (geo only) */
    hi?: number;
    /** rr: randomised response on a flag (v is 0 or 1, true bit kept with probability e^eps/(1+e^eps)); geo: value clamped to [0, hi] plus discrete Laplace noise of scale hi/eps */
    m: 'rr' | 'geo';
    /** the noisy value; may be negative or above hi */
    v: number;
  }>;
  pv: string;
  /** The pseudonym period in hours (rotationHours); present exactly when vid is */
  rot?: number;
  seq: number;
  sid?: string;
  site: string;
  v: 2;
  vid?: string;
}
// </generated: Features, Segment, Payload>

/** The signal that decided analytics. */
export type ConsentSource = 'api' | 'gpc' | 'dnt' | 'tcf' | 'gcm' | 'default';

/** A local consent record, made on every change. */
export interface ConsentRecord {
  /** Random 128-bit id (32 hex digits). It never leaves the device: payloads carry a per-period reference derived from it. */
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
