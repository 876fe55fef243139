// End-to-end: the npm path through a real bundler. examples/vite-app imports
// `iob-sdk` (a `file:` dependency on pkg/) and is built with `vite build`; the
// built dist/ is served by the collector at /vite/ (same origin as ingest) and
// a payload must reach the collector.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, launchBrowser, waitFor, recordIngest, npmFullBuild } from './harness.mjs';
import { buildExample, watchPage } from './apps.mjs';

let collector;
let browser;
let dist;

before(async () => {
  dist = await buildExample('vite-app');
  collector = await startCollector({ extraArgs: ['--serve', `/vite=${dist}`] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
});

test('vite build emits the wasm as an asset and the bundle points at it', { skip: npmFullBuild }, () => {
  const assets = readdirSync(join(dist, 'assets'));
  const wasm = assets.find((f) => f.endsWith('.wasm'));
  assert.ok(wasm, `a .wasm asset in dist/assets: ${assets}`);
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dist, 'assets', f), 'utf8')).join('\n');
  assert.ok(js.includes(wasm), 'the bundle references the emitted wasm file by its hashed name');
  assert.ok(!js.includes('/pkg/'), 'nothing is loaded from the repository layout');
});

test('the bundled app loads the wasm, and a payload reaches the collector after consent', { skip: npmFullBuild }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchPage(page);
  const ingest = recordIngest(context);
  const wasmResponses = [];
  page.on('response', (r) => r.url().endsWith('.wasm') && wasmResponses.push(r));
  await page.goto(`${collector.url}/vite/`);
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('ready'));
  assert.equal(wasmResponses.length, 1, 'the wasm is fetched once');
  assert.equal(wasmResponses[0].headers()['content-type'], 'application/wasm', 'served as application/wasm (streaming compile)');
  assert.match(wasmResponses[0].url(), /\/vite\/assets\/iob_sdk_bg-[\w-]+\.wasm$/);
  assert.equal(await page.isVisible('#consent'), true, 'opt-in: the banner is shown');

  await page.click('#cta');
  await page.click('#cta');
  assert.equal(JSON.parse(await page.textContent('#features')).clicks, 2, 'features computed on the device');
  assert.equal(ingest.length, 0, 'nothing sent before consent');

  await page.click('#allow');
  assert.match(await page.textContent('#status'), /granted: security, analytics/);
  await page.click('#cta');
  await page.goto('about:blank'); // pagehide sends the final snapshot
  const rows = await collector.waitForRows();
  assert.equal(rows.length, 1, JSON.stringify(rows));
  const row = rows[0];
  assert.equal(row.site, 'demo');
  assert.equal(row.path ?? row.ctx?.path, '/vite', 'the normalised path of the page');
  const f = row.features ?? row.f;
  assert.equal(f.clicks, 4, 'two clicks, the consent click and one more');
  assert.deepEqual(problems, [], 'no console errors or warnings');
  await context.close();
});
