// Differential test: Google's web-vitals (the npm package, served from
// node_modules) and the SDK measure the same page in Chromium through a
// scripted session, and must agree: LCP and INP to the millisecond, CLS to
// 0.0001. web-vitals runs with reportAllChanges, so window.wv holds its
// latest values; they are compared with iob.features() after the page is
// hidden (when web-vitals takes its pending entries and the interaction
// count), and with the SDK's final snapshot stored by the collector.
//
// Headless Chromium keeps visibilityState 'visible', so the page's
// visibilityState is overridden and visibilitychange dispatched by
// window.setHidden(); both libraries read the same property and event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCollector, launchBrowser, waitFor, root, bareChromium, fullOnly } from './harness.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector({ extraArgs: ['--serve', `/wv=${join(root, 'node_modules', 'web-vitals', 'dist')}`] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
});

/** Runs in the page before any script: a controllable visibility. */
function controllableVisibility(startHidden) {
  let hidden = startHidden;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  window.setHidden = (h) => {
    hidden = h;
    if (h) window.firstHiddenAt ??= performance.now();
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  };
}

async function open(path, { startHidden = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  await context.addInitScript(controllableVisibility, startHidden);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}${path}`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null && window.wv);
  return { context, page, errors };
}

const features = (page) => page.evaluate(() => iob.features());
const webVitals = (page) => page.evaluate(() => ({ ...window.wv }));

/** Clicks the centre of `sel` with real input (scrolled into view first). */
async function click(page, sel) {
  await page.locator(sel).scrollIntoViewIfNeeded();
  const b = await page.locator(sel).boundingBox();
  await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
}

/** The interactions: three slow clicks, typing, and many quick clicks. */
async function interact(page, quick) {
  for (const ms of [120, 260, 400]) {
    await page.evaluate((v) => (document.getElementById('slow').dataset.ms = String(v)), ms);
    await click(page, '#slow');
    await page.waitForTimeout(150);
  }
  await click(page, '#field');
  await page.keyboard.type('differential', { delay: 20 });
  for (let i = 0; i < quick; i++) await click(page, '#fast');
  const ran = await page.evaluate(() => [document.getElementById('slow').dataset.ran, document.getElementById('fast').dataset.n]);
  assert.deepEqual(ran, ['3', String(quick)], 'every click reached its tile');
}

/** Asserts that the SDK's values `f` equal web-vitals' `wv`. */
function assertEqual(f, wv, what) {
  const lcp = wv.lcp === undefined ? 0 : Math.round(wv.lcp);
  const inp = wv.inp === undefined ? 0 : Math.round(wv.inp);
  const cls = wv.cls ?? 0;
  assert.equal(f.lcp_ms ?? 0, lcp, `${what}: LCP iob ${f.lcp_ms} vs web-vitals ${wv.lcp}`);
  assert.equal(f.inp_ms ?? 0, inp, `${what}: INP iob ${f.inp_ms} vs web-vitals ${wv.inp}`);
  assert.ok(Math.abs((f.cls ?? 0) - cls) <= 0.0001, `${what}: CLS iob ${f.cls} vs web-vitals ${wv.cls}`);
}

test('LCP, CLS and INP equal web-vitals through paints, shifts, a hidden-then-visible phase and 100+ interactions', { skip: fullOnly }, async () => {
  const { context, page, errors } = await open('/test/differential.html?run=session');
  // Loading: an image at 200 ms, a large paragraph at 450, shifts at 600 and 900.
  await page.waitForTimeout(1500);
  // Hidden, then visible again: LCP stops at the hide (by start time), CLS and INP go on.
  await page.evaluate(() => window.setHidden(true));
  await page.waitForTimeout(300);
  await page.evaluate(() => window.shift(150));
  await page.waitForTimeout(300);
  await page.evaluate(() => window.setHidden(false));
  // A larger paint after the hide: a new LCP entry the browser reports, which neither counts.
  await page.evaluate(() => window.paintLarger());
  await page.waitForTimeout(800);
  await interact(page, 110);
  // A shift well after the last input (hadRecentInput false), in a new session window.
  await page.waitForTimeout(1200);
  await page.evaluate(() => window.shift(40));
  await page.waitForTimeout(1200);
  await page.evaluate(() => window.setHidden(true));
  await page.waitForTimeout(300);

  const wv = await webVitals(page);
  const f = await features(page);
  const { count, lcpStarts, hiddenAt } = await page.evaluate(() => ({
    count: performance.interactionCount,
    lcpStarts: window.lcpStarts,
    hiddenAt: window.firstHiddenAt,
  }));
  // The session exercises what it claims to: LCP entries before and after
  // the first hide, more than 100 interactions, so that INP (the p98) is not
  // the longest interaction (400 ms).
  assert.ok(lcpStarts.some((t) => t < hiddenAt) && lcpStarts.some((t) => t > hiddenAt), JSON.stringify({ lcpStarts, hiddenAt }));
  assert.ok(count >= 100, `${count} interactions`);
  assert.ok(wv.lcp > 0 && wv.cls > 0 && wv.inp > 0, JSON.stringify(wv));
  assert.ok(wv.lcp < hiddenAt, 'web-vitals ignores the paint after the hide');
  assert.ok(wv.inp < 400, `INP is the p98 over ${count} interactions, not the longest (400 ms): ${wv.inp}`);
  assertEqual(f, wv, 'features() after the hide');
  assert.deepEqual(errors, []);

  // The final snapshot the collector stored says the same.
  const pv = await page.evaluate(() => JSON.parse(iob.explain().last_payload ?? 'null')?.pv ?? null);
  await page.goto('about:blank');
  const rows = await waitFor(async () => {
    const r = (await collector.dump()).filter((row) => row.pv === pv && (row.features.inp_ms ?? 0) === (f.inp_ms ?? 0));
    return r.length ? r : null;
  }, 8000, 'the stored final snapshot');
  assertEqual(rows[0].features, wv, 'stored snapshot');
  await context.close();
});

test('a page loaded hidden reports neither LCP nor CLS, like web-vitals; INP still agrees', { skip: fullOnly }, async () => {
  const { context, page } = await open('/test/differential.html?run=hidden', { startHidden: true });
  await page.waitForTimeout(1200);
  await page.evaluate(() => window.setHidden(false));
  await page.waitForTimeout(300);
  await interact(page, 60);
  await page.waitForTimeout(500);
  await page.evaluate(() => window.setHidden(true));
  await page.waitForTimeout(300);
  const wv = await webVitals(page);
  const f = await features(page);
  assert.equal(wv.lcp, undefined, 'web-vitals: no LCP for a page loaded hidden');
  assert.equal(wv.cls, undefined, 'web-vitals: no CLS without a first paint before the hide');
  assert.ok(wv.inp > 0);
  assertEqual(f, wv, 'loaded hidden');
  await context.close();
});

test('a prerendered page: LCP counts from activationStart, like web-vitals', { skip: fullOnly }, async () => {
  // Chromium does not prerender while DevTools is attached (Playwright is), so
  // the browser is started bare on a launcher page that prerenders the page
  // (speculation rules) and activates it after 2.5 s; the test attaches afterwards.
  const bare = await bareChromium(`${collector.url}/test/prerender.html?wait=2500`, 5000);
  try {
    const cdp = bare.browser;
    const page = await waitFor(() => cdp.contexts()[0]?.pages().find((p) => p.url().includes('run=prerender')), 10000, 'the activated page');
    await page.waitForFunction(() => window.iob && window.wv && window.wv.lcp !== undefined, null, { timeout: 10000 });
    await page.waitForTimeout(500);
    const { activation, wv, f } = await page.evaluate(() => ({
      activation: performance.getEntriesByType('navigation')[0].activationStart,
      wv: { ...window.wv },
      f: iob.features(),
    }));
    assert.ok(activation > 1000, `the page was prerendered and activated at ${activation} ms`);
    assert.ok(wv.lcp < activation, `web-vitals measures LCP from activation: ${wv.lcp}`);
    assert.equal(f.lcp_ms ?? 0, Math.round(wv.lcp), `LCP iob ${f.lcp_ms} vs web-vitals ${wv.lcp}`);
    assert.ok(Math.abs((f.cls ?? 0) - (wv.cls ?? 0)) <= 0.0001, `CLS iob ${f.cls} vs web-vitals ${wv.cls}`);
  } finally {
    await bare.close();
  }
});
