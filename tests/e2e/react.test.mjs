// End-to-end: examples/react-spa, a React single-page app with history-API
// routing, built with `vite build` (base /react/) and served by the collector.
// - Personalisation on the device: the block chosen from `iob.features().segment`
//   and the 'segment' event changes when the visitor's segment does, and
//   nothing is sent for it (no consent given).
// - Analytics after the banner's consent: one page view per route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startCollector, launchBrowser, waitFor, recordIngest, CHROMIUM_ARGS, npmFullBuild } from './harness.mjs';
import { buildExample, watchPage } from './apps.mjs';

let collector;
let human; // Chromium without navigator.webdriver, so the visitor is not flagged as automation
let automated; // the harness's Chromium: navigator.webdriver is true

before(async () => {
  const dist = await buildExample('react-spa', { IOB_BASE: '/react/' });
  collector = await startCollector({ extraArgs: ['--serve', `/react=${dist}`] });
  human = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, '--disable-blink-features=AutomationControlled'] });
  automated = await launchBrowser();
});

after(async () => {
  await human?.close();
  await automated?.close();
  await collector?.close();
});

const segmentOf = (page) => page.getAttribute('#personalised', 'data-segment');

async function open(browser) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  const problems = watchPage(page);
  const ingest = recordIngest(context);
  await page.goto(`${collector.url}/react/`);
  await page.waitForSelector('#consent-banner'); // rendered once the SDK is ready
  return { context, page, problems, ingest };
}

test('the personalised block follows the on-device segment, and nothing is sent for it', { skip: npmFullBuild }, async () => {
  const { context, page, problems, ingest } = await open(human);
  assert.equal(await page.evaluate(() => navigator.webdriver), false);
  // A fresh visitor: no segment yet (or 'bouncer' once 5 s pass without scrolling, on a slow machine).
  const first = await segmentOf(page);
  const TITLES = { none: 'Welcome', bouncer: 'New here?', frustrated: 'Something not working?' };
  assert.ok(first === 'none' || first === 'bouncer', first);
  assert.equal(await page.textContent('#personalised h2'), TITLES[first]);

  // A rage burst (3 clicks in the same spot) on text that does nothing: frustrated.
  const box = await page.locator('main p').first().boundingBox();
  const [x, y] = [box.x + 20, box.y + box.height / 2];
  await page.mouse.move(x - 40, y - 10, { steps: 5 });
  for (let i = 0; i < 3; i++) await page.mouse.click(x, y, { delay: 20 });
  // Segments are re-evaluated at most once a second while events arrive.
  let wiggle = 0;
  await waitFor(async () => {
    await page.mouse.move(x + (wiggle++ % 2 ? 5 : -5), y + 200, { steps: 2 });
    return (await segmentOf(page)) === 'frustrated';
  }, 8000, "the 'frustrated' segment in the block");
  assert.equal(await page.textContent('#personalised h2'), TITLES.frustrated);
  assert.ok(await page.isVisible('#consent-banner'), 'no consent was given');
  await page.goto('about:blank');
  await page.waitForTimeout(300);
  assert.equal(ingest.length, 0, 'personalisation sent nothing');
  assert.deepEqual(await collector.dump(), []);
  assert.deepEqual(problems, [], 'no console errors or warnings');
  await context.close();
});

test('an automated browser gets the neutral block (segment likely_bot)', { skip: npmFullBuild }, async () => {
  const { context, page, problems } = await open(automated);
  await page.mouse.move(100, 100);
  await page.mouse.move(300, 300, { steps: 5 });
  await waitFor(async () => (await segmentOf(page)) === 'likely_bot', 5000, 'likely_bot');
  assert.equal(await page.textContent('#personalised h2'), 'Welcome');
  assert.deepEqual(problems, []);
  await context.close();
});

test('after consent from the banner, each client-side route is one page view at the collector', { skip: npmFullBuild }, async () => {
  const { context, page, problems } = await open(human);
  await page.click('#consent-accept');
  await page.waitForSelector('#consent-banner', { state: 'detached' });
  assert.equal(await page.isEnabled('#consent-revoke'), true);
  await page.click('#cta');
  for (const [link, heading] of [['Pricing', 'Pricing'], ['Docs', 'Docs']]) {
    await page.click(`nav >> text=${link}`);
    await page.waitForFunction((h) => document.querySelector('main h1')?.textContent === h, heading);
    await page.mouse.wheel(0, 400);
    await page.waitForTimeout(150);
  }
  assert.equal(new URL(page.url()).pathname, '/react/docs', 'routing through the history API');
  await page.goto('about:blank'); // pagehide: the last route's final snapshot
  const rows = await collector.waitForRows(3, 6000).catch(async (e) => {
    throw new Error(`${e.message}; stored: ${JSON.stringify((await collector.dump()).map((r) => r.path ?? r.ctx?.path))}`);
  });
  const paths = rows.map((r) => r.path ?? r.ctx?.path).sort();
  assert.deepEqual(paths, ['/react', '/react/docs', '/react/pricing'], 'one page view per route, none twice');
  assert.equal(new Set(rows.map((r) => r.pv ?? r.page_view)).size, 3, 'three distinct page-view ids');
  const home = rows.find((r) => (r.path ?? r.ctx?.path) === '/react');
  assert.ok((home.features ?? home.f).clicks >= 2, 'the consent click and the CTA click belong to the first route');
  assert.deepEqual(problems, []);
  await context.close();
});
