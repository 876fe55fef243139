// End-to-end: the SDK starts on a server that sends the wasm without the
// `application/wasm` type (many static hosts send `application/octet-stream`).
// Streaming compilation refuses such an answer, in the script-tag loader and
// in the glue; the glue then compiles the bytes. The page gets a working SDK
// and nothing reaches its console as an error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.mjs';
import { current, interact, PAGE } from './session.mjs';
import { plainCollector, startSite } from './site-server.mjs';

const collector = plainCollector();
let site;
let browser;
before(async () => {
  site = await startSite(collector.handle, { types: { '.wasm': 'application/octet-stream' } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.close();
});

test('the wasm served as application/octet-stream: the SDK still starts and counts', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  // (The browser's own favicon request 404s on this site: not the SDK's.)
  page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  const served = [];
  page.on('response', (r) => r.url().endsWith('.wasm') && served.push(r.headers()['content-type']));
  await page.goto(site.url + PAGE);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await interact(page, { clicks: 2, wheels: 0, keys: '' });
  const now = await current(page);
  assert.equal(now.features.clicks, 2, 'the SDK counted the clicks');
  assert.ok(served.length > 0 && served.every((t) => t === 'application/octet-stream'), `the wasm came as octet-stream: ${served}`);
  assert.deepEqual(errors, [], 'no error in the page');
  await context.close();
});
