// A typical TypeScript consumer of iob-sdk, compiled with `tsc --strict --noEmit`
// (make test). Each `@ts-expect-error` line is a misuse the types must reject:
// if the types ever become too loose, tsc fails on the unused directive.
import { init, create, IobError, IobConfigError, IobConsentError } from 'iob-sdk';
import type {
  ConsentMode,
  ConsentRecord,
  ConsentSource,
  ConsentState,
  Explanation,
  Features,
  Iob,
  IobConfig,
  IobEvents,
  Payload,
  Purpose,
  Segment,
} from 'iob-sdk';

// ---- config: required fields, literal unions, no unknown options
const config: IobConfig = {
  site: 'shop',
  endpoint: 'https://collector.example/v1/ingest',
  consent: 'opt-out',
  idleTimeoutMs: 30_000,
  policyVersion: '2024-05',
  respectGpc: true,
  identity: 'none',
  rotationHours: 24,
  gdprApplies: 'auto',
  tcfTimeoutMs: 3000,
  ldp: 'clicks:20,active_ms:600000',
  ldpEpsilon: 0.5,
};
const modes: ConsentMode[] = ['opt-in', 'opt-out', 'exempt'];
const purposes: Purpose[] = ['security', 'analytics', 'personalization', 'marketing'];

// @ts-expect-error 'optin' is not a consent mode
const badMode: IobConfig = { site: 's', endpoint: '/e', consent: 'optin' };
// @ts-expect-error site is required
const noSite: IobConfig = { endpoint: '/e' };
// @ts-expect-error endpoint is required
const noEndpoint: IobConfig = { site: 's' };
// @ts-expect-error unknown option (init rejects it at run time too)
const unknownOption: IobConfig = { site: 's', endpoint: '/e', colour: 'red' };
// @ts-expect-error identity is 'rotating' | 'none'
const badIdentity: IobConfig = { site: 's', endpoint: '/e', identity: 'fixed' };
// @ts-expect-error gdprApplies is 'auto' | true | false
const badGdpr: IobConfig = { site: 's', endpoint: '/e', gdprApplies: 'maybe' };
// @ts-expect-error idleTimeoutMs is a number of milliseconds
const badTimeout: IobConfig = { site: 's', endpoint: '/e', idleTimeoutMs: '15s' };

// ---- features snapshot: numbers, read on the device
function describe(f: Features): string {
  const active: number = f.active_ms ?? 0;
  const depth: number = f.scroll_depth_max_pct ?? 0;
  const clicks: number = f.clicks ?? 0;
  // @ts-expect-error features are numbers, not strings
  const wrong: string = f.clicks;
  return `${active} ms active, ${depth}% deep, ${clicks} clicks`;
}

// ---- consent state and record
function banner(state: ConsentState | null): boolean {
  if (!state) return true; // not ready yet
  const mode: ConsentMode = state.mode;
  const record: ConsentRecord | null = state.record;
  const source: ConsentSource | undefined = record?.source;
  // @ts-expect-error 'cookie' is not a consent source
  const wrongSource: ConsentSource = 'cookie';
  return mode === 'opt-in' && source !== 'api' && !state.granted.includes('analytics');
}

// ---- events: each name has its own payload type
function subscribe(iob: Iob): Array<() => void> {
  const offs = [
    iob.on('payload', (p: Payload) => {
      const seq: number = p.seq;
      const path: string = p.ctx.path;
      const granted: Purpose[] = p.consent.purposes;
      void [seq, path, granted, p.f.clicks];
    }),
    iob.on('consent', (s) => {
      const analytics: boolean = s.granted.includes('analytics');
      void analytics;
    }),
    iob.on('segment', (segment) => {
      const s: Segment | null = segment;
      const known: IobEvents['segment'][] = ['engaged_reader', 'skimmer', 'bouncer', 'frustrated', 'likely_bot', null];
      void [s, known];
    }),
  ];
  // @ts-expect-error 'reader' is not a segment
  const wrongSegment: Segment = 'reader';
  void wrongSegment;
  // @ts-expect-error unknown event name
  iob.on('click', () => {});
  // @ts-expect-error a payload is an object, not a string
  iob.on('payload', (p: string) => void p);
  return offs;
}

async function main(): Promise<void> {
  const iob: Iob = await init(config);
  iob.consent.grant(['analytics', 'personalization']);
  iob.consent.grant('analytics');
  iob.consent.deny(['marketing']);
  // @ts-expect-error 'ads' is not a purpose
  iob.consent.grant(['ads']);
  if (banner(iob.consent.state())) iob.consent.revoke();

  const f: Features | null = iob.features();
  if (f) describe(f);
  const personalise: Segment | undefined = f?.segment;
  void personalise;

  // A conversion: counted on the device, never stored or sent raw.
  iob.track('signup', { plan: 'pro' });
  iob.track('newsletter');
  // @ts-expect-error the event name is a string
  iob.track(42);
  const why: Explanation | null = iob.explain();
  const keys: string[] = why?.stored_keys ?? [];
  const last: string | null = why?.last_payload ?? null;
  void [keys, last];

  const offs = subscribe(iob);
  iob.flush();
  offs.forEach((off) => off());
  iob.shutdown();

  // `create` returns at once and queues calls; `ready` resolves to the same object.
  const early: Iob = create({ site: 'shop', endpoint: '/v1/ingest' });
  early.consent.grant(['analytics']);
  const same: Iob = await early.ready;
  void same;

  // ---- typed errors
  try {
    await init({ site: 'Bad Site!', endpoint: '/v1/ingest' });
  } catch (e: unknown) {
    if (e instanceof IobConfigError) {
      const name: 'IobConfigError' = e.name;
      const field: string | undefined = e.field;
      void name;
      const message: string = e.message;
      void [field, message];
    } else if (e instanceof IobConsentError || e instanceof IobError) {
      const asError: Error = e;
      void asError;
    }
  }
}

void [modes, purposes, badGdpr, badMode, noSite, noEndpoint, unknownOption, badIdentity, badTimeout, main];
