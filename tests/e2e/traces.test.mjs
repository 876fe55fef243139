// The trace corpus in Chromium: every trace of tests/traces marked
// `"replay": true` is performed on examples/script-tag/test/replay.html with
// trusted input (Playwright's mouse and keyboard, CDP key events; script
// only where the trace says the event came from script) through the real
// shell, and its expected values are read back with iob.features() and the
// page's `segment` notifications. The format and the replay rules are in
// tests/traces/README.md; the native runner is src/traces.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, launchBrowser, root, build, computedByThisBuild } from './harness.mjs';

const dir = join(root, 'tests', 'traces');
const traces = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, ...JSON.parse(readFileSync(join(dir, f), 'utf8')) }))
  .filter((t) => t.replay);

/** Milliseconds allowed between a feature in ms and its expected value: the browser's timing is not the trace's. */
const MS_TOLERANCE = 250;
/** Segments are announced by a timer armed for the next whole second. */
const SEGMENT_SLACK = 1000;

let collector;
let browser;

before(async () => {
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
});

/** Runs in the page before any script: a person's browser (no webdriver flag) with a controllable visibility. */
function pageSetup() {
  Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false });
  let hidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  window.setHidden = (h) => {
    hidden = h;
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  };
}

const pathOf = (url) => {
  const u = new URL(url ?? 'https://shop.example/');
  return u.pathname + u.search + u.hash;
};

/** Performs one trace event in the page; `next` is the event after it (a keyboard click consumes its Enter). */
async function perform(page, cdp, e, next) {
  const trusted = e.trusted ?? true;
  switch (e.kind) {
    case 'pointermove':
      if (trusted) await page.mouse.move(e.x, e.y);
      else await page.evaluate(({ x, y }) => window.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, bubbles: true })), e);
      return 0;
    case 'wheel':
      if (trusted) await page.mouse.wheel(0, 100);
      else await page.evaluate(() => window.dispatchEvent(new WheelEvent('wheel', { deltaY: 100, bubbles: true })));
      return 0;
    case 'click':
      if (e.keyboard) {
        // Enter on the focused target: the browser clicks it with detail 0.
        await page.focus(`#${e.target ?? 'button'}`);
        await page.keyboard.press('Enter');
        return 0;
      }
      if (trusted) await page.mouse.click(e.x, e.y);
      else await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true })), e);
      return 0;
    case 'keydown':
      if (e.key === 'Enter' && next?.kind === 'click' && next.keyboard && next.t === e.t) return 0; // the click presses it
      if (e.key === 'Unidentified' || e.key === 'Process') {
        // Android keyboards and IMEs: a keydown with no key value, trusted (CDP).
        await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: e.key, windowsVirtualKeyCode: 229 });
        await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: e.key, windowsVirtualKeyCode: 229 });
      } else await page.keyboard.press(e.key);
      return 0;
    case 'input':
      // Text inserted as a virtual keyboard or an IME does: input events, no key events.
      await page.focus(`form[name="${e.form}"] [name="${e.field}"]`);
      await page.keyboard.insertText('x');
      return 0;
    case 'route':
      await page.evaluate((p) => history.pushState(null, '', p), pathOf(e.url));
      return 0;
    case 'visibility':
      await page.evaluate((v) => window.setHidden(!v), e.visible);
      return 0;
    case 'error':
      await page.evaluate(() => setTimeout(() => {
        throw new Error('trace error');
      }, 0));
      return 0;
    case 'mutation':
      await page.evaluate(() => document.body.appendChild(document.createElement('span')));
      return 0;
    case 'track':
      await page.evaluate(() => window.iob.track('trace'));
      return 0;
    default:
      throw new Error(`${e.kind} events cannot be replayed`);
  }
}

/** Checks one expectation against the page; returns a message when it fails. */
async function check(page, x, base) {
  if ('segment' in x) {
    // The lite build has no segments: none is ever announced.
    if (build === 'lite') x = { ...x, segment: null };
    const announced = await page.evaluate(() => window.segments);
    const before = announced.filter(([t]) => t <= base + x.at + SEGMENT_SLACK);
    const got = before.length ? before[before.length - 1][1] : null;
    return got === x.segment ? null : `segment at ${x.at}: expected ${x.segment}, got ${got} (${JSON.stringify(announced)})`;
  }
  // The lite build leaves the features it does not compute at their default.
  if (!computedByThisBuild(x.feature)) x = { ...x, value: typeof x.value === 'boolean' ? false : 0 };
  const f = await page.evaluate(() => window.iob.features());
  const extra = Object.keys(f).filter((k) => k !== 'segment' && !computedByThisBuild(k));
  if (extra.length) return `at ${x.at}: this build does not compute ${extra.join(', ')}, yet features() has them`;
  const raw = f[x.feature];
  const got = typeof x.value === 'boolean' ? raw === true : raw ?? 0;
  const tolerance = x.feature.endsWith('_ms') ? MS_TOLERANCE : 1e-4;
  const same = typeof x.value === 'boolean' ? got === x.value : Math.abs(got - x.value) <= tolerance;
  return same ? null : `${x.feature} at ${x.at}: expected ${x.value}, got ${got} (why: ${x.why})`;
}

for (const trace of traces) {
  test(`trace ${trace.file}: ${trace.description}`, async () => {
    assert.ok(!trace.documents, 'a replayed trace is one document');
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    await context.addInitScript(pageSetup);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const q = new URLSearchParams({ config: JSON.stringify(trace.config ?? {}), path: pathOf(trace.page?.url) });
    await page.goto(`${collector.url}/test/replay.html?${q}`);
    await page.waitForFunction(() => window.iob && window.iob.features() !== null);
    const cdp = await context.newCDPSession(page);
    // The trace's time 0 is now (page clock `base`), a little ahead so the
    // first event is on time. A step that starts late (a busy machine) moves
    // every later one by as much: the gaps between steps are what the
    // expected values depend on, so they are kept.
    const start = Date.now() + 300;
    const base = await page.evaluate((ahead) => performance.now() + ahead, 300);
    let lag = 0;
    const at = async (t) => {
      const wait = start + lag + t - Date.now();
      if (wait > 0) await page.waitForTimeout(wait);
      else lag -= wait;
    };
    const steps = [
      ...trace.events.map((e, i) => ({ t: e.t, run: () => perform(page, cdp, e, trace.events[i + 1]) })),
      ...trace.expect
        .filter((x) => x.replay !== false)
        .map((x) => ({ t: x.at + ('segment' in x ? SEGMENT_SLACK : 0), expect: x })),
    ].sort((a, b) => a.t - b.t || (a.expect ? 1 : -1));
    const failures = [];
    for (const step of steps) {
      await at(step.t);
      if (step.run) await step.run();
      else {
        const msg = await check(page, step.expect, base + lag);
        if (msg) failures.push(msg);
      }
    }
    const expectedErrors = trace.events.filter((e) => e.kind === 'error').length;
    assert.equal(errors.length, expectedErrors, `page errors: ${errors.join('; ')}`);
    assert.deepEqual(failures, [], `${trace.file} in Chromium`);
    await context.close();
  });
}

test('the corpus has traces to replay', () => {
  assert.ok(traces.length >= 10, `${traces.length} replayed traces`);
});
