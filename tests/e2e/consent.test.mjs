// End-to-end consent and privacy guarantees in headless Chromium against the
// real collector: nothing before consent, GPC/DNT, a real IAB TCF CMP (the
// IAB's own @iabtechlabtcf/core and /cmpapi, bundled here with esbuild),
// Google Consent Mode, PII canaries, and pseudonym rotation with a faked clock.
// Pages: tests/e2e/pages/consent/ (served at /consent/), the CMP at /cmp/cmp.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { root, startCollector, launchBrowser, waitFor, recordIngest, freePort } from './harness.mjs';

let collector;
let browser;
let cmpDir;
/** The collector's port: the site is served on 127.0.0.1, embedded frames on localhost (another origin). */
let port;

before(async () => {
  cmpDir = mkdtempSync(join(tmpdir(), 'iob-cmp-'));
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [
    join(root, 'tests', 'e2e', 'pages', 'consent', 'cmp-entry.mjs'),
    '--bundle', '--format=iife', '--target=es2020', `--outfile=${join(cmpDir, 'cmp.js')}`, '--log-level=warning',
  ], { cwd: root });
  port = await freePort();
  collector = await startCollector({
    port,
    origins: [`http://localhost:${port}`],
    extraArgs: [
      '--serve', `/consent=${join(root, 'tests', 'e2e', 'pages', 'consent')}`,
      '--serve', `/cmp=${cmpDir}`,
      '--serve', `/tcf-stub=${join(root, 'node_modules', '@iabtechlabtcf', 'stub', 'lib')}`,
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
  if (cmpDir) rmSync(cmpDir, { recursive: true, force: true });
});

/** Logs every storage or cookie write made in the page, before any page script runs. */
const WRITE_SPY = () => {
  window.__writes = [];
  const log = (what) => window.__writes.push(what);
  for (const name of ['setItem', 'removeItem', 'clear']) {
    const orig = Storage.prototype[name];
    Storage.prototype[name] = function (...args) {
      if (name !== 'removeItem' || this.getItem(args[0]) !== null) {
        log(`${this === window.sessionStorage ? 'session' : 'local'}.${name}(${args[0] ?? ''})`);
      }
      return orig.apply(this, args);
    };
  }
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(document, 'cookie', {
    get: () => desc.get.call(document),
    set: (v) => {
      log(`cookie(${v})`);
      desc.set.call(document, v);
    },
  });
};

/** Rows the collector stored for one test case (its pages carry `utm_campaign=<tag>`). */
async function rowsFor(tag) {
  const rows = await collector.dump();
  return rows.filter((r) => JSON.stringify(r).includes(`utm_campaign=${tag}`));
}

async function open(context, tag, params = {}) {
  const page = await context.newPage();
  const q = new URLSearchParams({ utm_campaign: tag, ...params });
  await page.goto(`${collector.url}/consent/?${q}`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  return page;
}

async function interact(page) {
  await page.click('#cta');
  await page.mouse.move(50, 50);
  await page.mouse.move(300, 200, { steps: 5 });
  await page.mouse.wheel(0, 800);
  await page.click('#email');
  await page.keyboard.type('jane.canary@example.com');
  await page.click('#card');
  await page.keyboard.type('4111 1111 1111 1111');
  await page.click('#pw');
  await page.keyboard.type('hunter2');
  await page.click('#cta');
}

const sdkKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('iob:')));

async function leave(page) {
  await page.goto('about:blank'); // pagehide: the final beacon
  await page.waitForTimeout(300);
}

test('opt-in: a full interactive session makes zero requests and zero storage or cookie writes', async () => {
  const context = await browser.newContext();
  await context.addInitScript(WRITE_SPY);
  const ingest = recordIngest(context);
  const page = await open(context, 'optin');
  await interact(page);
  await page.evaluate(() => iob.flush());
  await page.waitForTimeout(300);
  assert.ok((await page.evaluate(() => iob.features().clicks)) >= 2, 'features are computed on the device');
  assert.deepEqual(await page.evaluate(() => window.__writes), [], 'no storage or cookie write');
  assert.deepEqual(await page.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage), document.cookie]), [[], [], '']);
  const explain = await page.evaluate(() => iob.explain());
  assert.deepEqual(explain.stored_keys, []);
  assert.equal(explain.last_payload, null);
  await leave(page);
  assert.equal(ingest.length, 0, 'no request to the collector');
  assert.deepEqual(await rowsFor('optin'), []);
  await context.close();
});

for (const [name, init] of [
  ['GPC', () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })],
  ['DNT "1" (navigator.doNotTrack)', () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })],
  ['DNT "yes" (window.doNotTrack)', () => Object.defineProperty(window, 'doNotTrack', { get: () => 'yes' })],
  ['DNT "1" (navigator.msDoNotTrack)', () => Object.defineProperty(Navigator.prototype, 'msDoNotTrack', { get: () => '1' })],
]) {
  test(`opt-out with ${name}: nothing is sent or stored`, async () => {
    const tag = `sig${name.replace(/[^a-z]/gi, '').toLowerCase()}`;
    const context = await browser.newContext();
    await context.addInitScript(init);
    await context.addInitScript(WRITE_SPY);
    const ingest = recordIngest(context);
    const page = await open(context, tag, { consent: 'opt-out' });
    await interact(page);
    await page.evaluate(() => iob.flush());
    const state = await page.evaluate(() => iob.consent.state());
    assert.equal(state.record.source, name.startsWith('GPC') ? 'gpc' : 'dnt');
    assert.ok(state.denied.includes('analytics') && state.denied.includes('marketing'));
    assert.ok(state.denied.includes('personalization'), 'do not track: no visit history either');
    assert.equal(state.record[name.startsWith('GPC') ? 'gpc' : 'dnt'], true, 'the signal is in the record');
    assert.deepEqual(await page.evaluate(() => window.__writes), []);
    assert.match((await page.evaluate(() => iob.explain())).why, /GPC\/DNT/);
    await leave(page);
    assert.equal(ingest.length, 0);
    assert.deepEqual(await rowsFor(tag), []);
    await context.close();
  });
}

test('control: opt-out without any signal sends', async () => {
  const context = await browser.newContext();
  const page = await open(context, 'control', { consent: 'opt-out' });
  await page.click('#cta');
  await leave(page);
  await waitFor(async () => (await rowsFor('control')).length === 1, 5000, 'the control row');
  await context.close();
});

test('TCF: purposes 1 and 8 granted through the CMP (real click) -> sent, with the TC string in the record', async () => {
  const context = await browser.newContext();
  const ingest = recordIngest(context);
  const page = await open(context, 'tcfgrant', { cmp: '1' });
  await page.click('#cta');
  await page.evaluate(() => iob.flush());
  await page.waitForTimeout(200);
  assert.equal(ingest.length, 0, 'no answer yet (UI shown): GDPR applies, no consent');
  await page.click('#cmp-accept');
  await waitFor(() => page.evaluate(() => iob.consent.state().granted.includes('analytics')), 3000, 'TCF consent');
  const record = (await page.evaluate(() => iob.consent.state())).record;
  assert.equal(record.source, 'tcf');
  assert.match(record.tc_string, /^C[A-Za-z0-9_-]+/);
  await page.click('#cta');
  await leave(page);
  const rows = await waitFor(async () => ((r) => (r.length ? r : null))(await rowsFor('tcfgrant')), 5000, 'a row');
  assert.equal(rows.length, 1);
  await context.close();
});

test('TCF: purpose 8 refused -> not sent', async () => {
  const context = await browser.newContext();
  await context.addInitScript(WRITE_SPY);
  const ingest = recordIngest(context);
  const page = await open(context, 'tcfnop8', { cmp: '1', consent: 'opt-out' });
  await page.click('#cmp-refuse-p8');
  await waitFor(async () => (await page.evaluate(() => iob.consent.state().record.source)) === 'tcf', 3000, 'the TCF answer');
  await interact(page);
  await page.evaluate(() => iob.flush());
  assert.deepEqual((await page.evaluate(() => iob.consent.state())).granted.includes('analytics'), false);
  const writes = await page.evaluate(() => window.__writes);
  await leave(page);
  assert.deepEqual(writes, [], 'a TCF refusal means zero storage writes (the visit history was still written)');
  assert.equal(ingest.length, 0);
  assert.deepEqual(await rowsFor('tcfnop8'), []);
  await context.close();
});

test('TCF: the visitor changes their mind (useractioncomplete with a refusal) -> storage wiped, nothing more sent', async () => {
  const context = await browser.newContext();
  const ingest = recordIngest(context);
  const page = await open(context, 'tcfwithdraw', { cmp: '1' });
  await page.click('#cmp-accept');
  await waitFor(() => page.evaluate(() => iob.consent.state().granted.includes('analytics')), 3000, 'TCF consent');
  await page.click('#cta');
  await page.evaluate(() => iob.flush());
  await waitFor(() => ingest.length >= 1, 3000, 'the first payload');
  assert.ok((await sdkKeys(page)).length >= 1, 'consent, seed and session are stored with consent');
  const sentBefore = ingest.length;
  await page.click('#cmp-reopen'); // cmpuishown: not acted on
  assert.ok(await page.evaluate(() => iob.consent.state().granted.includes('analytics')));
  await page.click('#cmp-refuse-p8'); // useractioncomplete, purpose 8 refused
  await waitFor(async () => (await sdkKeys(page)).length === 0, 3000, 'storage wiped');
  assert.equal(await page.evaluate(() => iob.consent.state().granted.includes('analytics')), false);
  await interact(page);
  await page.evaluate(() => iob.flush());
  await leave(page);
  assert.equal(ingest.length, sentBefore, 'nothing after the refusal');
  const rows = await rowsFor('tcfwithdraw');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].seq, 1, 'only the snapshot sent before the refusal');
  await context.close();
});

test('TCF: update(null) -> GDPR does not apply, TCF does not restrict (opt-out sends)', async () => {
  const context = await browser.newContext();
  const page = await open(context, 'tcfnull', { cmp: '1', cmpAnswer: 'null', consent: 'opt-out' });
  await page.click('#cta');
  await waitFor(async () => (await page.evaluate(() => iob.consent.state().granted.includes('analytics'))), 3000, 'analytics on');
  await leave(page);
  await waitFor(async () => (await rowsFor('tcfnull')).length === 1, 5000, 'a row');
  await context.close();
});

test('TCF: no CMP while GDPR applies (data-gdpr-applies="true") -> not sent, even in opt-out', async () => {
  const context = await browser.newContext();
  const ingest = recordIngest(context);
  const page = await open(context, 'tcfnocmp', { consent: 'opt-out', gdpr: 'true', tcfTimeoutMs: '300' });
  await interact(page);
  await page.waitForTimeout(500); // past the timeout: still nothing
  await page.evaluate(() => iob.flush());
  const state = await page.evaluate(() => iob.consent.state());
  assert.equal(state.granted.includes('analytics'), false);
  assert.equal(state.record.source, 'tcf');
  await leave(page);
  assert.equal(ingest.length, 0);
  assert.deepEqual(await rowsFor('tcfnocmp'), []);
  await context.close();
});

test('TCF: a CMP that installs itself late (within tcfTimeoutMs) is still heard', async () => {
  const context = await browser.newContext();
  const page = await open(context, 'tcflate', { cmpLate: '400', cmpAnswer: 'accept', tcfTimeoutMs: '3000' });
  assert.equal(await page.evaluate(() => iob.consent.state().granted.includes('analytics')), false);
  await waitFor(() => page.evaluate(() => iob.consent.state().granted.includes('analytics')), 5000, 'the late CMP');
  await page.click('#cta');
  await leave(page);
  await waitFor(async () => (await rowsFor('tcflate')).length === 1, 5000, 'a row');
  await context.close();
});

test('TCF: looking for a late CMP wakes the page a few times, the last look at tcfTimeoutMs', async () => {
  // The CMP installs itself at 2 s (tcfTimeoutMs 3000) and no input comes:
  // every setTimeout the page makes in 3.5 s is counted. The look for a CMP
  // backs off (100, 300, 700, 1500 and 3000 ms), so this CMP is found by the
  // last look, at the timeout; at a fixed 100 ms the looks alone made 30.
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.__timeouts = [];
    const set = window.setTimeout;
    window.setTimeout = function (f, ms, ...rest) {
      window.__timeouts.push(ms);
      return set.call(this, f, ms, ...rest);
    };
  });
  const page = await open(context, 'tcfidle', { cmpLate: '2000', cmpAnswer: 'accept', tcfTimeoutMs: '3000' });
  await waitFor(() => page.evaluate(() => iob.consent.state().granted.includes('analytics')), 5000, 'the CMP found by the last look');
  await page.waitForTimeout(Math.max(0, 3500 - (await page.evaluate(() => performance.now()))));
  const timeouts = await page.evaluate(() => window.__timeouts);
  assert.ok(timeouts.length <= 12, `setTimeout calls: ${timeouts.length} (${timeouts.join(', ')})`);
  await context.close();
});

test('Consent Mode: analytics_storage denied, then granted by a later dataLayer push', async () => {
  const context = await browser.newContext();
  await context.addInitScript(WRITE_SPY);
  const ingest = recordIngest(context);
  const page = await open(context, 'gcm', { gcm: 'denied', consent: 'opt-out' });
  await interact(page);
  await page.evaluate(() => iob.flush());
  await page.waitForTimeout(200);
  assert.equal(ingest.length, 0, 'denied: nothing sent');
  assert.deepEqual(await page.evaluate(() => window.__writes), [], 'denied: zero storage writes');
  assert.equal((await page.evaluate(() => iob.consent.state())).record.source, 'gcm');
  await page.click('#gcm-grant'); // gtag('consent', 'update', { analytics_storage: 'granted' })
  await waitFor(() => page.evaluate(() => iob.consent.state().granted.includes('analytics')), 3000, 'granted');
  await page.click('#cta');
  await leave(page);
  await waitFor(async () => (await rowsFor('gcm')).length === 1, 5000, 'a row');
  await context.close();
});

test('Consent Mode: a region-scoped denial (EEA) then a global default grant fails closed until an update grants', async () => {
  const context = await browser.newContext();
  await context.addInitScript(WRITE_SPY);
  const ingest = recordIngest(context);
  const page = await open(context, 'gcmregion', { gcmRegion: '1', consent: 'opt-in' });
  await interact(page);
  await page.evaluate(() => iob.flush());
  await page.waitForTimeout(200);
  const state = await page.evaluate(() => iob.consent.state());
  assert.equal(state.granted.includes('analytics'), false, 'the visitor may be in the EEA: no tracking');
  assert.equal(ingest.length, 0);
  assert.deepEqual(await page.evaluate(() => window.__writes), []);
  await page.click('#gcm-grant'); // gtag('consent', 'update', { analytics_storage: 'granted' })
  await waitFor(() => page.evaluate(() => iob.consent.state().granted.includes('analytics')), 3000, 'granted by the update');
  await page.click('#cta');
  await leave(page);
  await waitFor(async () => (await rowsFor('gcmregion')).length === 1, 5000, 'a row after the update');
  await context.close();
});

for (const [answer, sent] of [['accept', true], ['refuse', false]]) {
  test(`TCF: a CMP in a parent frame is heard through __tcfapiLocator and postMessage (SDK in a cross-origin iframe, CMP ${answer}s)`, async () => {
    const tag = `tcfframe${answer}`;
    const context = await browser.newContext();
    await context.addInitScript(WRITE_SPY);
    const ingest = recordIngest(context);
    const page = await context.newPage();
    // opt-out: without the parent's CMP the embedded SDK would measure by default.
    const inner = `http://localhost:${port}/consent/?utm_campaign=${tag}&consent=opt-out`;
    await page.goto(`${collector.url}/consent/frame-parent.html?cmpAnswer=${answer}&frame=${encodeURIComponent(inner)}`);
    const frame = await waitFor(() => page.frames().find((f) => f.url().startsWith(`http://localhost:${port}/consent/`)), 5000, 'the embedded frame');
    await frame.waitForFunction(() => window.iob && window.iob.features() !== null);
    assert.equal(await frame.evaluate(() => typeof window.__tcfapi), 'undefined', 'no CMP inside the frame itself');
    // The CMP's answer, not only its presence: the ping's reply (a CMP is
    // there, GDPR may apply) already makes a TCF record that fails closed
    // until the addEventListener callback brings the TC string and consents.
    const answered = () => frame.evaluate(() => {
      const r = iob.consent.state().record;
      return r.source === 'tcf' && /^C/.test(r.tc_string || '');
    });
    await waitFor(answered, 5000, "the parent CMP's answer");
    const state = await frame.evaluate(() => iob.consent.state());
    assert.equal(state.granted.includes('analytics'), sent);
    assert.match(state.record.tc_string, /^C[A-Za-z0-9_-]+/, 'the TC string came over postMessage');
    await frame.click('#cta');
    await frame.evaluate(() => iob.flush());
    if (sent) {
      await waitFor(async () => (await rowsFor(tag)).length === 1, 5000, 'a row');
    } else {
      await page.waitForTimeout(300);
      assert.equal(ingest.length, 0, 'refused by the parent CMP: nothing sent');
      assert.deepEqual(await frame.evaluate(() => window.__writes), [], 'and nothing written');
    }
    await context.close();
  });
}

test('exempt: an opt-out keeps only the bare refusal (no id, no time) and writes nothing afterwards, on this page or the next', async () => {
  const context = await browser.newContext();
  await context.addInitScript(WRITE_SPY);
  const ingest = recordIngest(context);
  const page = await open(context, 'exemptout', { consent: 'exempt' });
  await page.click('#cta');
  await page.evaluate(() => iob.flush());
  await waitFor(() => ingest.length >= 1, 3000, 'exempt measures by default');
  await page.evaluate(() => iob.consent.deny(['analytics']));
  assert.deepEqual(await sdkKeys(page), ['iob:demo:consent']);
  const kept = await page.evaluate(() => localStorage.getItem('iob:demo:consent'));
  assert.ok(!/"id"|"at"/.test(kept), `a refusal without identifier or time: ${kept}`);
  await page.evaluate(() => (window.__writes = []));
  const sentBefore = ingest.length;
  await interact(page);
  await page.evaluate(() => iob.flush());
  assert.deepEqual(await page.evaluate(() => window.__writes), [], 'nothing written after the opt-out');
  await leave(page);
  const next = await open(context, 'exemptout', { consent: 'exempt' });
  await interact(next);
  await next.evaluate(() => iob.flush());
  assert.equal(await next.evaluate(() => iob.consent.state().granted.includes('analytics')), false, 'the next page honours it');
  assert.deepEqual(await next.evaluate(() => window.__writes), [], 'and writes nothing');
  await leave(next);
  assert.equal(ingest.length, sentBefore, 'nothing sent after the opt-out');
  await context.close();
});

test('without crypto.getRandomValues nothing is sent and no identifier is stored (no Math.random fallback)', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(Crypto.prototype, 'getRandomValues', { value: undefined }));
  await context.addInitScript(WRITE_SPY);
  const ingest = recordIngest(context);
  const page = await open(context, 'nocrypto', { consent: 'opt-out' });
  await interact(page);
  await page.evaluate(() => iob.flush());
  const explain = await page.evaluate(() => iob.explain());
  assert.match(explain.why, /no secure random numbers/);
  const keys = await sdkKeys(page);
  assert.ok(!keys.includes('iob:demo:seed') && !keys.includes('iob:demo:session'), `no identifier stored: ${keys}`);
  await leave(page);
  assert.equal(ingest.length, 0);
  await context.close();
});

test('two open tabs: a grant in one starts the other, a withdrawal in one silences both, and storage stays empty', async () => {
  const context = await browser.newContext();
  const ingest = recordIngest(context);
  const a = await open(context, 'twotabs');
  const b = await open(context, 'twotabs');
  await a.evaluate(() => iob.consent.grant(['analytics']));
  await waitFor(() => b.evaluate(() => iob.consent.state().granted.includes('analytics')), 3000, 'the grant reaches tab B');
  for (const p of [a, b]) {
    await p.click('#cta');
    await p.evaluate(() => iob.flush());
  }
  await waitFor(() => ingest.length >= 2, 3000, 'both tabs send');
  await a.evaluate(() => iob.consent.revoke());
  await waitFor(async () => !(await b.evaluate(() => iob.consent.state().granted.includes('analytics'))), 3000, 'the withdrawal reaches tab B');
  const sent = ingest.length;
  for (const p of [a, b]) {
    await interact(p);
    await p.evaluate(() => iob.flush());
  }
  assert.deepEqual(await sdkKeys(b), [], 'storage stays empty: tab B writes nothing back');
  await leave(b);
  await leave(a);
  assert.equal(ingest.length, sent, 'nothing sent by either tab after the withdrawal');
  await context.close();
});

test('PII canaries never appear in any request or stored row', async () => {
  const context = await browser.newContext();
  const ingest = recordIngest(context);
  const page = await open(context, 'pii', {
    consent: 'opt-out',
    email: 'jane.canary@example.com',
    token: 'tok_CANARY9f8e7d6c5b4a',
    utm_source: 'jane.canary@example.com',
    utm_content: '4111111111111111',
    // Encoded forms (URLSearchParams writes spaces as + and % as %25):
    utm_term: '4111 1111 1111 1111',
    utm_medium: 'john.smithcanary%40gmail.com',
    utm_id: '+33 6 12 34 56 78',
    ref: 'DE89 3704 0044 0532 0130 00',
  });
  await interact(page);
  await page.evaluate(() => iob.flush());
  await waitFor(() => ingest.length >= 1, 3000, 'a payload');
  await leave(page);
  const rows = await waitFor(async () => ((r) => (r.length ? r : null))(await rowsFor('pii')), 5000, 'a row');
  // Each request's path and query, not its origin: the collector's random
  // port once was 41119, which holds the card canary '4111'.
  const raw = JSON.stringify(rows) + ingest.map((r) => { const u = new URL(r.url); return u.pathname + u.search + r.body; }).join('\n');
  // Two kinds of value are read apart, as their digits can spell a short
  // canary by chance ('4111', '0532'): the SDK's random identifiers (32 hex
  // digits; a pv once held '4111' no more than a pointer speed of 4111.41
  // px/s did), and numbers, which could carry a card, phone or IBAN only in
  // a long run of digits. Every other character is scanned for every canary.
  const numbers = [];
  const seen = raw
    .replace(/"[0-9a-f]{32}"/g, '"<id>"')
    .replace(/:(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=[,}\]])/g, (_, n) => (numbers.push(n), ':<n>'));
  assert.ok(numbers.length > 20, `the features were read as numbers: ${numbers.length}`);
  for (const n of numbers) assert.ok(n.replace(/\D/g, '').length < 12, `a number long enough to carry a card, phone or IBAN: ${n}`);
  for (const canary of ['jane', 'canary@', 'example.com', 'CANARY9f8e', '4111', 'Margaret', 'Hamiltoncanary', 'hunter2', 'Canary Lane', 'smithcanary', 'gmail', '12+34', '12 34', 'DE89', '0532']) {
    assert.ok(!seen.includes(canary), `${canary} leaked: ${seen}`);
  }
  assert.match(seen, /utm_source=:email/, 'the kept utm value was scrubbed, not dropped silently');
  await context.close();
});

test('a page callback that throws is contained: the SDK and the other subscribers carry on', async () => {
  // The wasm does not catch around its call of the facade's `emit`; the
  // facade's `emit` never throws, whatever a subscriber does.
  const context = await browser.newContext();
  const page = await open(context, 'throwing', { consent: 'opt-out' });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const first = await page.evaluate(() => new Promise((resolve) => {
    for (const name of ['payload', 'consent', 'segment']) iob.on(name, () => { throw new Error(`page bug in ${name}`); });
    iob.on('payload', resolve);
    iob.flush();
  }));
  await page.click('#cta');
  const after = await page.evaluate(() => new Promise((resolve) => {
    iob.on('consent', (c) => resolve({ consent: c, features: iob.features() }));
    iob.consent.deny('personalization');
  }));
  assert.equal(first.site, 'demo', 'the other payload subscriber got the snapshot');
  assert.equal(after.features.clicks, 1, 'events still count after the throws');
  assert.ok(after.consent.denied.includes('personalization'), 'the other consent subscriber was told');
  assert.deepEqual(errors, [], 'nothing reached the page as an error');
  await context.close();
});

test('pseudonyms rotate daily with a faked clock: same day -> same, next day -> unlinkable', async () => {
  const context = await browser.newContext();
  const vids = [];
  for (const [i, at] of ['2026-03-02T08:00:00Z', '2026-03-02T21:30:00Z', '2026-03-03T08:00:00Z'].entries()) {
    await context.clock.setFixedTime(new Date(at));
    const page = await open(context, `rot${i}`, { consent: 'opt-out' });
    const sent = await page.evaluate(() => new Promise((resolve) => {
      iob.on('payload', resolve);
      iob.flush();
    }));
    vids.push(sent.vid);
    assert.equal(sent.hour, Math.floor(Date.parse(at) / 3_600_000) * 3600, 'the payload hour follows the faked clock');
    await page.close();
  }
  assert.match(vids[0], /^[0-9a-f]{32}$/);
  assert.equal(vids[0], vids[1], 'same UTC day: same pseudonym');
  assert.notEqual(vids[0], vids[2], 'next day: a new pseudonym');
  const bits = (a, b) => [...Buffer.from(a, 'hex')].reduce((n, x, i) => n + [...(x ^ Buffer.from(b, 'hex')[i]).toString(2)].filter((c) => c === '1').length, 0);
  const d = bits(vids[0], vids[2]);
  assert.ok(d > 32 && d < 96, `no shared structure between days: ${d} of 128 bits differ`);
  await context.close();
});

test('the privacy panel of the example site shows what is stored and sent, and revokes', async () => {
  const context = await browser.newContext();
  const ingest = recordIngest(context);
  const page = await context.newPage();
  await page.goto(`${collector.url}/`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await page.click('#consent-accept');
  await page.click('#cta');
  await page.evaluate(() => iob.flush());
  await waitFor(() => ingest.length >= 1, 3000, 'a payload');
  await page.click('#privacy-panel-link');
  const dialog = page.locator('dialog.iob-panel');
  await dialog.waitFor({ state: 'visible' });
  const text = await dialog.textContent();
  assert.match(text, /iob:demo:consent/, 'stored keys are listed');
  assert.match(text, /analytics/);
  const shown = JSON.parse(await dialog.locator('.iob-panel-payload').textContent());
  assert.equal(shown.site, 'demo', 'the last payload sent is shown');
  assert.equal(shown.id, JSON.parse(ingest.at(-1).body).id);
  await dialog.locator('.iob-panel-revoke').click();
  assert.deepEqual(await sdkKeys(page), [], 'revoke from the panel wipes storage');
  assert.match(await dialog.textContent(), /Stored on this device\s*nothing/);
  const sent = ingest.length;
  await page.keyboard.press('Escape');
  await page.click('#cta');
  await page.evaluate(() => iob.flush());
  await leave(page);
  assert.equal(ingest.length, sent, 'nothing after revoking in the panel');
  await context.close();
});
