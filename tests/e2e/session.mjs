// Helpers of the delivery end-to-end tests: a session on the delivery test
// page (examples/script-tag/delivery) with real input, what the page itself
// announced (every payload it emitted through `iob.on('payload')`, kept by
// the page in localStorage under `test:payload:<pv>`), and the comparison of
// a stored snapshot with the page's own.
import assert from 'node:assert/strict';
import { waitFor } from './harness.mjs';

/** The test pages' `data-snapshot-interval-ms`. */
export const INTERVAL_MS = 1000;
/** The delivery test page (SDK by script tag, opt-out, endpoint `/v1/ingest`). */
export const PAGE = '/delivery/index.html';

/** Opens `origin + path` in a new tab of `context` and waits until the SDK is ready. */
export async function open(context, origin, path = PAGE) {
  const page = await context.newPage();
  await page.goto(origin + path);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  return page;
}

/** Real input: clicks, wheel scrolls and key presses. */
export async function interact(page, { clicks = 2, wheels = 3, keys = 'ab' } = {}) {
  await page.mouse.move(50, 50);
  for (let i = 0; i < clicks; i++) await page.click('#a');
  for (let i = 0; i < wheels; i++) await page.mouse.wheel(0, 300);
  if (keys) await page.keyboard.type(keys);
}

/**
 * The page's current page-view id, last announced seq (0 before any
 * payload) and live features. Waits first until scrolling has settled (a
 * wheel scroll may still be animating) and the SDK's once-per-frame scroll
 * read has run.
 */
export async function current(page) {
  await page.evaluate(() => new Promise((resolve) => {
    let last = -1;
    let still = 0;
    const frame = () => {
      still = scrollY === last ? still + 1 : 0;
      last = scrollY;
      if (still >= 3) resolve();
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }));
  return page.evaluate(() => {
    const last = JSON.parse(iob.explain().last_payload || 'null');
    return { pv: last && last.pv, seq: last ? last.seq : 0, features: iob.features() };
  });
}

/**
 * The last payload each page view of `context` announced, by page view, read
 * from a same-origin page without the SDK (so reading drains nothing).
 */
export async function announced(context, origin) {
  const p = await context.newPage();
  await p.goto(origin + '/delivery/host-plain.html');
  const all = await p.evaluate(() => {
    /** @type {Record<string, any>} */
    const out = {};
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k && k.startsWith('test:payload:')) out[k.slice('test:payload:'.length)] = JSON.parse(localStorage.getItem(k) || 'null');
    }
    return out;
  });
  await p.close();
  return all;
}

/** Every feature of the stored snapshot equals the page's own final snapshot `final` (absent = 0/false). */
export function sameFeatures(stored, final, what) {
  for (const [k, v] of Object.entries(stored)) {
    assert.deepEqual(v, final.f[k] ?? (typeof v === 'boolean' ? false : 0), `${what}: feature ${k}`);
  }
}

/** The reference collector's rows of page view `pv`. */
export const rowsFor = async (collector, pv) => (await collector.dump()).filter((r) => r.pv === pv);

/**
 * Waits until the reference collector holds `final.pv` at `final.seq`, then
 * checks it is exactly the page's own snapshot, stored once. Returns the row.
 * On a timeout the error carries what `diagnose()` reports, when given.
 */
export async function expectStored(collector, final, what, diagnose) {
  try {
    await waitFor(async () => (await rowsFor(collector, final.pv)).some((r) => r.seq >= final.seq), 20000, `${what}: pv ${final.pv} seq ${final.seq}`);
  } catch (e) {
    if (!diagnose) throw e;
    const found = await diagnose().catch((d) => `(diagnosis failed: ${d})`);
    throw new Error(`${e instanceof Error ? e.message : e}\n${found}`);
  }
  const rows = await rowsFor(collector, final.pv);
  assert.equal(rows.length, 1, `${what}: one row per page view`);
  assert.equal(rows[0].seq, final.seq, `${what}: the final sequence`);
  sameFeatures(rows[0].features, final, what);
  return rows[0];
}

/**
 * Counters frozen since the last input must match the live features read
 * before leaving (plus `navClicks`: the click on the link that leaves).
 */
export function sameCounters(stored, live, navClicks = 0) {
  assert.equal(stored.clicks, (live.clicks ?? 0) + navClicks, 'clicks');
  assert.equal(stored.scroll_depth_max_pct, live.scroll_depth_max_pct ?? 0, 'scroll depth');
  // Time alone makes no final snapshot until a second of visible time has
  // passed since the last one (Tracker::on_hide): a periodic snapshot taken
  // just after the last input may be the final one, up to 1 s older than the
  // live reading.
  assert.ok(stored.total_ms >= live.total_ms - 1000, `the final snapshot is within a second of the last live reading (${stored.total_ms} vs ${live.total_ms})`);
}
