// The unlinkability test in Chromium, through the real shell and the real
// collector, over a fake clock: one visitor (one browser profile) visits for
// 40 days, one to three page loads a day, some page views open across UTC
// midnight, with consent given once. Across any two pseudonym periods no
// payload value repeats, except the documented constants and low-entropy
// buckets (docs/consent-and-privacy.md, "Unlinkability"); the native twin is
// `payloads_of_different_periods_share_no_linking_value` (src/tracker/guarantee_tests.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCollectorAndBrowser, recordIngest } from './harness.mjs';

const env = useCollectorAndBrowser();

/** Every leaf of a JSON value as [path, value text]. */
function leaves(v, path = '', out = []) {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) leaves(x, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`, out);
  } else out.push([path, JSON.stringify(v)]);
  return out;
}

/** The documented values that may repeat across periods (the same rule as the native test). */
function mayRepeat(path, value) {
  if (['.v', '.build', '.site', '.rot', '.seq'].includes(path)) return true;
  if (path.startsWith('.consent.purposes') || path.startsWith('.ctx.')) return true;
  if (value === 'true' || value === 'false') return true;
  return path.startsWith('.f.') || path.startsWith('.ldp');
}

const DAY = 86_400_000;
const MIDNIGHT = Date.UTC(2026, 2, 1); // 2026-03-01T00:00:00Z

test('one visitor over 40 days: no payload value repeats across pseudonym periods', async () => {
  const context = await env.browser.newContext();
  const ingest = recordIngest(context);
  // A page that stays open keeps the context's clock controllable between visits.
  const keeper = await context.newPage();
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let day = 0; day < 40; day++) {
    const visits = 1 + Math.floor(rand() * 2);
    for (let v = 0; v < visits; v++) {
      const crossing = v === visits - 1 && day % 4 === 0;
      const at = crossing ? MIDNIGHT + (day + 1) * DAY - 20_000 : MIDNIGHT + day * DAY + Math.floor(rand() * 80_000_000);
      await context.clock.setFixedTime(new Date(at));
      const page = await context.newPage();
      await page.goto(`${env.collector.url}/`);
      await page.waitForFunction(() => window.iob && window.iob.features() !== null);
      if (day === 0 && v === 0) await page.evaluate(() => iob.consent.grant(['analytics', 'personalization']));
      await page.mouse.move(20 + v * 7, 30 + day);
      await page.click('#cta');
      await page.evaluate(() => iob.flush());
      if (crossing) {
        // The page stays open past midnight: later input and a snapshot in the next period.
        await context.clock.setFixedTime(new Date(at + 60_000));
        await page.mouse.move(200, 120);
        await page.click('#cta');
        await page.evaluate(() => iob.flush());
      }
      await page.goto('about:blank'); // pagehide: the final snapshot
      await page.close();
    }
  }
  await keeper.close();
  const payloads = ingest.filter((r) => r.method === 'POST' && r.body).map((r) => JSON.parse(r.body));
  assert.ok(payloads.length >= 40, `${payloads.length} payloads`);
  const byPeriod = new Map();
  for (const p of payloads) {
    assert.equal(p.rot, 24);
    const period = Math.floor(p.hour / (p.rot * 3600));
    byPeriod.set(period, [...(byPeriod.get(period) || []), ...leaves(p)]);
  }
  assert.ok(byPeriod.size >= 38, `${byPeriod.size} periods`);
  const periods = [...byPeriod.entries()];
  for (let i = 0; i < periods.length; i++) {
    const linking = new Set(periods[i][1].filter(([p, v]) => !mayRepeat(p, v)).map(([, v]) => v));
    for (let j = i + 1; j < periods.length; j++) {
      for (const [path, value] of periods[j][1]) {
        if (!mayRepeat(path, value)) assert.ok(!linking.has(value), `${path} = ${value} appears in periods ${periods[i][0]} and ${periods[j][0]}`);
      }
    }
  }
  for (const [period, l] of periods) {
    assert.equal(new Set(l.filter(([p]) => p === '.vid').map(([, v]) => v)).size, 1, `period ${period}: one pseudonym`);
  }
  await context.close();
});
