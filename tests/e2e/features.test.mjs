// End-to-end tests of the features engine: real Playwright input on the
// test pages under examples/script-tag/test/, read back through
// iob.features() and from the collector's stored rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCollector, launchBrowser, waitFor, root, build, fullOnly } from './harness.mjs';

let collector;
let browser;

before(async () => {
  // web-vitals (devDependency) is served to the vitals page at /wv/.
  collector = await startCollector({ extraArgs: ['--serve', `/wv=${join(root, 'node_modules', 'web-vitals', 'dist')}`] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
});

async function open(path, viewport = { width: 1000, height: 700 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}${path}`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  return { context, page, errors };
}

const features = (page) => page.evaluate(() => iob.features());

/** The centre of an element, in viewport coordinates. */
async function centre(page, sel) {
  const b = await page.locator(sel).boundingBox();
  return [b.x + b.width / 2, b.y + b.height / 2];
}

async function rowsFor(pred, what) {
  return waitFor(async () => {
    const rows = (await collector.dump()).filter(pred);
    return rows.length ? rows : null;
  }, 8000, what);
}

test('a scripted session produces the expected counts (rage, dead, error clicks, forms, typing, scroll)', async () => {
  // What only the full build computes: the lite build leaves it out (undefined).
  const only = (v) => (build === 'full' ? v : undefined);
  const { context, page, errors } = await open('/test/features.html?run=session');
  // Any DOM change, scroll or navigation answers every click of the last
  // 2500 ms, so each part below waits for the verdict before the next.
  // Rage: three real clicks on the same spot within a second, on a tile that
  // does nothing (so each is also a dead click).
  const [dx, dy] = await centre(page, '#dead');
  await page.mouse.move(dx - 40, dy - 20, { steps: 8 });
  for (let i = 0; i < 3; i++) {
    await page.mouse.click(dx, dy);
    await page.waitForTimeout(120);
  }
  await page.waitForTimeout(2700);
  let f = await features(page);
  assert.equal(f.rage_clicks, 1, JSON.stringify(f));
  assert.equal(f.dead_clicks, 3, 'each click of the burst got no answer');
  // A click that throws 10 ms later: an error click (and dead: no DOM change).
  await page.click('#broken');
  await page.waitForTimeout(2700);
  f = await features(page);
  assert.equal(f.error_clicks, 1);
  assert.equal(f.dead_clicks, 4);
  // A click the page answers with a DOM change: not dead.
  await page.click('#live');
  // Forms: one started and left, one submitted. Password and data-iob-ignore
  // fields are not observed at all.
  await page.click('#name');
  await page.keyboard.type('Ada');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('a');
  await page.click('#secret');
  await page.keyboard.type('hunter2');
  await page.click('#note');
  await page.keyboard.type('zzz');
  await page.click('#city');
  await page.keyboard.type('Paris');
  await page.click('#other-submit');
  // Read to the bottom.
  for (let i = 0; i < 40; i++) await page.mouse.wheel(0, 400);
  await waitFor(async () => (await features(page)).scroll_depth_max_pct >= 99, 5000, 'scroll depth');
  await page.waitForTimeout(2700);
  f = await features(page);
  assert.equal(f.rage_clicks, 1, JSON.stringify(f));
  assert.equal(f.dead_clicks, 4, 'three rage clicks and the broken tile; not #live, fields or the submit');
  assert.equal(f.error_clicks, 1);
  assert.equal(f.forms_started, only(2));
  assert.equal(f.forms_submitted, only(1));
  assert.equal(f.forms_abandoned ?? 0, 0, 'not abandoned before the page ends');
  assert.equal(f.keystrokes, only(10), 'Ada + Backspace + a + Paris; nothing from the password or ignored field');
  assert.equal(f.field_corrections, only(1));
  assert.equal(f.delete_ratio, only(0.1));
  assert.ok(build === 'full' ? f.time_to_submit_ms > 0 : f.time_to_submit_ms === undefined);
  assert.ok(f.scroll_depth_max_pct >= 99 && f.scroll_distance_px > 3000, JSON.stringify(f));
  assert.ok(f.frustration_score > 0.5 && f.frustration_score < 1);
  if (build === 'full') assert.ok(f.pointer_distance_px > 0 && f.pointer_straightness > 0 && f.pointer_straightness <= 1);
  else assert.equal(f.pointer_distance_px, undefined);
  assert.ok(f.active_ms <= f.visible_ms && f.visible_ms <= f.total_ms + 1);
  assert.ok(!f.flag_untrusted, 'every input here was real');
  assert.equal(f.flag_webdriver ?? false, build === 'full' && (await page.evaluate(() => navigator.webdriver === true)));
  assert.deepEqual(errors, ['broken tile']);

  // The page ends: the started, unsubmitted form is abandoned in the final snapshot
  // (the lite build counts no forms: its final snapshot is the one with every click).
  const pv = await page.evaluate(() => JSON.parse(iob.explain().last_payload ?? 'null')?.pv ?? null);
  await page.goto('about:blank');
  const rows = await rowsFor((r) => r.path === '/test/features.html' && (pv === null || r.pv === pv) && (build === 'full' ? r.features.forms_abandoned === 1 : r.features.dead_clicks === 4), 'the final snapshot');
  const stored = rows[0].features;
  assert.equal(stored.forms_abandoned || undefined, only(1));
  assert.equal(stored.rage_clicks, 1);
  assert.equal(stored.dead_clicks, 4);
  assert.equal(stored.keystrokes || undefined, only(10));
  assert.ok(stored.scroll_depth_max_pct >= 99);
  assert.ok(!JSON.stringify(rows[0]).includes('hunter2') && !JSON.stringify(rows[0]).includes('Paris'));
  await context.close();
});

test('the lite build reads no form or field name; the full build reads them for the form events it counts', async () => {
  // The page's own getAttribute, watched from before the SDK loads: every
  // attribute read on an element in a form, as `element id:attribute`.
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  await context.addInitScript(() => {
    const reads = (window.__formReads = []);
    const get = Element.prototype.getAttribute;
    Element.prototype.getAttribute = function (name) {
      if (this.closest('form')) reads.push(`${this.id}:${name}`);
      return get.call(this, name);
    };
  });
  const page = await context.newPage();
  await page.goto(`${collector.url}/test/features.html?run=form-names`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await page.click('#city');
  await page.keyboard.type('Paris');
  await page.click('#other-submit');
  const f = await waitFor(async () => {
    const now = await features(page);
    return (build === 'full' ? now.forms_submitted === 1 : now.clicks === 2) ? now : null;
  }, 5000, 'the typing and the submit');
  await page.waitForTimeout(300);
  const reads = await page.evaluate(() => window.__formReads);
  if (build === 'full') {
    assert.equal(f.forms_started, 1, JSON.stringify(f));
    assert.ok(reads.includes('other:name') && reads.includes('city:name') && reads.includes('city:type'), reads.join(' '));
  } else {
    assert.equal(f.forms_started, undefined);
    assert.deepEqual(reads, [], 'the lite build counts no forms, so it reads no name');
  }
  await context.close();
});

test('an SPA route change (pushState, hashchange) starts a fresh page view, the old one is sent first', async () => {
  const { context, page } = await open('/test/features.html?run=spa');
  await page.click('#live');
  await page.click('#live');
  const first = await features(page);
  assert.equal(first.clicks, 2);
  assert.equal(first.pageviews, 1);
  await page.click('#spa-link');
  await waitFor(async () => (await features(page)).route_changes === 1, 3000, 'the route change');
  const second = await features(page);
  assert.equal(second.pageviews, 2);
  assert.equal(second.clicks ?? 0, 0, 'a fresh page view');
  assert.equal(second.engaged, true, 'two page views in the session');
  // The old page view's final snapshot reaches the collector on the route change.
  const old = await rowsFor((r) => r.path === '/test/features.html' && r.features.clicks === 3, 'the old page view');
  assert.equal(old.length, 1);
  // An in-page anchor is not a route change; a hash route (#/...) is.
  await page.click('#anchor-link');
  await page.waitForTimeout(300);
  assert.equal((await features(page)).route_changes, 1, 'an in-page anchor only scrolls');
  await page.click('#hash-link');
  await waitFor(async () => (await features(page)).route_changes === 2, 3000, 'the hash route');
  await page.mouse.click(5, 5);
  await page.goto('about:blank');
  const spa = await rowsFor((r) => r.path === '/test/spa/page-2' && r.features.route_changes === 1, 'the SPA page view');
  assert.notEqual(spa[0].pv, old[0].pv);
  assert.equal(spa[0].features.route_changes, 1);
  assert.equal(spa[0].features.pageviews, 2);
  const hash = await rowsFor((r) => r.path === '/test/spa/page-2' && r.features.route_changes === 2, 'the hash page view');
  assert.equal(hash[0].features.clicks, 1);
  await context.close();
});

test('shutdown() restores history.pushState/replaceState, or leaves a wrapper another script added since in place and working', async () => {
  const { context, page, errors } = await open('/test/features.html?run=unhook');
  const hooked = await page.evaluate(() => ({
    push: Object.prototype.hasOwnProperty.call(history, 'pushState'),
    replace: Object.prototype.hasOwnProperty.call(history, 'replaceState'),
  }));
  assert.deepEqual(hooked, { push: true, replace: true }, 'the SDK hooks both methods');
  // Another script wraps replaceState after the SDK did.
  await page.evaluate(() => {
    const inner = history.replaceState;
    window.calls = 0;
    history.replaceState = function (...args) {
      window.calls += 1;
      return inner.apply(history, args);
    };
    iob.shutdown();
  });
  const after = await page.evaluate(() => {
    history.pushState({}, '', '/test/spa/after-shutdown');
    history.replaceState({}, '', '/test/spa/replaced');
    return {
      pushRestored: history.pushState === History.prototype.pushState,
      replaceStillTheirs: history.replaceState !== History.prototype.replaceState,
      calls: window.calls,
      path: location.pathname,
    };
  });
  assert.deepEqual(after, { pushRestored: true, replaceStillTheirs: true, calls: 1, path: '/test/spa/replaced' });
  assert.deepEqual(errors, [], 'no page error');
  await context.close();
});

test('events dispatched by script are flagged untrusted and raise the automation score', { skip: fullOnly }, async () => {
  const { context, page } = await open('/test/features.html?run=untrusted');
  await page.mouse.move(100, 100, { steps: 5 });
  await page.mouse.click(120, 110);
  assert.ok(!(await features(page)).flag_untrusted, 'real input only so far');
  const before = (await features(page)).automation_score ?? 0;
  await page.evaluate(() => {
    const t = document.getElementById('dead');
    for (let i = 0; i < 5; i++) t.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: 10, clientY: 10 }));
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
  });
  const f = await features(page);
  assert.equal(f.flag_untrusted, true);
  assert.equal(f.clicks, 6);
  assert.ok(f.automation_score > before, `${f.automation_score} > ${before}`);
  assert.ok(f.automation_score <= 1);
  await context.close();
});

test('LCP and CLS agree with Google web-vitals on the same page within 10 %', { skip: fullOnly }, async () => {
  const { context, page } = await open('/test/vitals.html');
  await page.waitForFunction(() => window.wv && wv.lcp > 0 && wv.cls > 0, null, { timeout: 5000 });
  await page.waitForTimeout(1200);
  const wv = await page.evaluate(() => window.wv);
  const f = await features(page);
  assert.ok(f.lcp_ms > 250, `LCP is the late paragraph: ${JSON.stringify(f)}`);
  const near = (a, b) => Math.abs(a - b) <= 0.1 * Math.max(a, b);
  assert.ok(near(f.lcp_ms, wv.lcp), `lcp iob ${f.lcp_ms} vs web-vitals ${wv.lcp}`);
  assert.ok(near(f.cls, wv.cls), `cls iob ${f.cls} vs web-vitals ${wv.cls}`);
  await context.close();
});

test('features() and on("segment") work without analytics consent, and nothing is sent', { skip: fullOnly }, async () => {
  const context = await browser.newContext();
  // Look like a person's browser: the automation flag would make every visitor here a likely bot.
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false }));
  const page = await context.newPage();
  const requests = [];
  context.on('request', (r) => r.url().includes('/v1/ingest') && requests.push(r.url()));
  await page.goto(`${collector.url}/test/vitals.html?run=segment`); // opt-in, never granted
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  assert.equal((await features(page)).segment, undefined, 'no segment yet');
  await page.evaluate(() => {
    window.segments = [];
    iob.on('segment', (s) => window.segments.push(s));
  });
  // A rage burst on plain text: the visitor becomes `frustrated`.
  await page.mouse.move(40, 400, { steps: 6 });
  for (let i = 0; i < 3; i++) {
    await page.mouse.click(60, 420);
    await page.waitForTimeout(150);
  }
  const f = await features(page);
  assert.equal(f.rage_clicks, 1, JSON.stringify(f));
  assert.equal(f.automation_score ?? 0, 0);
  assert.equal(f.segment, 'frustrated');
  assert.deepEqual(await page.evaluate(() => window.segments), ['frustrated'], 'announced once, when it changed');
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
  await page.goto('about:blank');
  await page.waitForTimeout(300);
  assert.deepEqual(requests, [], 'nothing leaves the device');
  await context.close();
});
