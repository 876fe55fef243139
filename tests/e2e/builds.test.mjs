// End-to-end: the two builds as a site embeds them. `iob.js` loads the build
// under test (IOB_E2E_BUILD), `iob-lite.js` always the lite build from
// pkg/lite/. Real input; the payload that reaches the collector names its
// build and carries only the features that build computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCollectorAndBrowser, waitFor, recordIngest, build, liteFeatures } from './harness.mjs';

const env = useCollectorAndBrowser();

/** Loads the page with `script`, makes real input, flushes; returns the payload posted and the wasm fetched. */
async function visit(script) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const ingest = recordIngest(context);
  const wasm = [];
  context.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(new URL(r.url()).pathname));
  await page.goto(`${env.collector.url}/test/builds.html?script=${script}`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await page.mouse.move(10, 10);
  await page.mouse.move(300, 200, { steps: 10 });
  await page.click('#go');
  await page.click('#field');
  await page.keyboard.type('abc');
  await page.evaluate(() => window.iob.flush()); // a snapshot now, posted with fetch
  await waitFor(async () => ingest.some((r) => r.method === 'POST'), 5000, 'a payload');
  await context.close();
  const last = ingest.filter((r) => r.method === 'POST').pop();
  return { payload: JSON.parse(last.body), wasm };
}

for (const [script, expected] of [['iob.js', build], ['iob-lite.js', 'lite']]) {
  test(`${script} sends payloads of the ${expected} build with only the features it computes`, async () => {
    const { payload, wasm } = await visit(script);
    assert.equal(payload.build, expected);
    assert.deepEqual(wasm, [script === 'iob-lite.js' ? '/pkg/lite/iob_sdk_bg.wasm' : '/pkg/iob_sdk_bg.wasm']);
    assert.equal(payload.f.clicks, 2, JSON.stringify(payload.f));
    assert.ok(payload.f.active_ms > 0, JSON.stringify(payload.f));
    if (expected === 'full') {
      assert.equal(payload.f.keystrokes, 3, JSON.stringify(payload.f));
      assert.ok(payload.f.pointer_distance_px > 0, JSON.stringify(payload.f));
    } else {
      const lite = liteFeatures();
      assert.ok(lite.includes('clicks') && !lite.includes('keystrokes'), `lite features: ${lite}`);
      for (const name of Object.keys(payload.f)) assert.ok(lite.includes(name), `${name} is not a lite feature`);
      assert.equal(payload.f.keystrokes, undefined);
    }
  });
}

// LDP on a feature the build does not compute would send noise around a
// constant 0 that a collector would count as measurements: the lite build
// refuses it with a typed error naming the option; the full build accepts it.
for (const [entry, expected] of [['/pkg/index.js', build], ['/pkg/lite/index.js', 'lite']]) {
  test(`${entry} (${expected}): ldp on a full-only feature is ${expected === 'lite' ? 'a config error naming ldp' : 'accepted'}`, async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.collector.url}/delivery/host-plain.html`);
    const outcome = await page.evaluate(async ([entry, endpoint]) => {
      const { init } = await import(entry);
      try {
        const iob = await init({ site: 'demo', endpoint, consent: 'opt-out', ldp: 'clicks:20,keystrokes' });
        iob.shutdown();
        return { ok: true };
      } catch (e) {
        return { ok: false, name: e.name, field: e.field, message: e.message };
      }
    }, [entry, `${env.collector.url}/v1/ingest`]);
    await context.close();
    if (expected === 'lite') {
      assert.equal(outcome.ok, false, JSON.stringify(outcome));
      assert.equal(outcome.name, 'IobConfigError');
      assert.equal(outcome.field, 'ldp');
      assert.match(outcome.message, /names no feature this build computes/);
    } else {
      assert.deepEqual(outcome, { ok: true });
    }
  });
}

// index.js starts with V8's explicit compile hint (scripts/compile-hint.sh):
// its functions are compiled with the module, so starting the SDK, from
// `create()` to `ready`, compiles almost no JavaScript function lazily on
// the main thread (without the hint, about 90 of index.js's functions are
// compiled one by one as the start first calls them).
for (const dir of ['', 'lite/']) {
  test(`${dir || 'full '}index.js: starting the SDK compiles almost no JavaScript function lazily`, async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    // The page without its script tag: the test imports the module itself.
    await page.route('**/pkg/iob*.js', (route) => route.abort());
    await page.goto(`${env.collector.url}/test/builds.html`);
    await env.browser.startTracing(page, { categories: ['disabled-by-default-v8.compile', 'blink.user_timing'] });
    await page.evaluate(async (url) => {
      const m = await import(url);
      performance.mark('iob-create');
      const iob = m.create({ site: 'demo', endpoint: '/v1/ingest', consent: 'opt-out' });
      await iob.ready;
      performance.mark('iob-ready');
    }, `/pkg/${dir}index.js`);
    const events = JSON.parse((await env.browser.stopTracing()).toString()).traceEvents;
    await context.close();
    const at = (name) => events.find((e) => e.name === name && e.cat.includes('blink.user_timing'))?.ts;
    const [from, to] = [at('iob-create'), at('iob-ready')];
    assert.ok(from && to, 'both marks are in the trace');
    const lazy = events.filter((e) => e.name === 'V8.CompileCode' && e.ts >= from && e.ts <= to).length;
    assert.ok(lazy <= 10, `${lazy} functions compiled lazily between create() and ready`);
  });
}
