// End-to-end: the SDK starts and counts in unusual hosts, with nothing
// reaching the page's console as an error:
// - a server that sends the wasm without the `application/wasm` type (many
//   static hosts send `application/octet-stream`): streaming compilation
//   refuses such an answer, in the script-tag loader and in the glue; the
//   glue then compiles the bytes;
// - a page whose `localStorage` throws on access (storage disabled, as in a
//   sandboxed frame or with site data blocked): nothing is read or written,
//   and payloads are still posted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, waitFor } from './harness.mjs';
import { current, interact, PAGE } from './session.mjs';
import { plainCollector, routeHostPage, startSite } from './site-server.mjs';

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

/**
 * The errors `page` reports from now on: console errors and uncaught
 * exceptions (the browser's own favicon request 404s on this site: not the SDK's).
 * @param {import('playwright-core').Page} page
 */
function pageErrors(page) {
  /** @type {string[]} */
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

test('the wasm served as application/octet-stream: the SDK still starts and counts', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = pageErrors(page);
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

test('localStorage that throws on access: the SDK starts and posts its snapshots', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  });
  await routeHostPage(context, '/no-storage.html', 1000);
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.goto(site.url + '/no-storage.html');
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await interact(page, { clicks: 3, wheels: 0, keys: '' });
  await page.evaluate(() => window.iob.flush());
  await waitFor(async () => collector.posts.some((b) => JSON.parse(b).ctx.path === '/no-storage.html' && JSON.parse(b).f.clicks === 3), 10000, 'a snapshot with the three clicks posted');
  assert.equal(await page.evaluate(() => { try { return localStorage.length; } catch { return 'throws'; } }), 'throws');
  assert.deepEqual(errors, [], 'no error in the page');
  await context.close();
});
