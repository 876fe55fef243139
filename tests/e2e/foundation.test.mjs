// End-to-end, first slice: the script-tag site in headless Chromium against a
// real collector. Real clicks and scrolls; the collector's stored rows are
// compared with what the page computed. Nothing is sent or stored before consent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCollectorAndBrowser, waitFor, recordIngest } from './harness.mjs';

const env = useCollectorAndBrowser();

async function storageSnapshot(page) {
  return page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    cookie: document.cookie,
  }));
}

test('nothing is sent or stored before consent, even after a full interactive session', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const ingest = recordIngest(context);
  await page.goto(`${env.collector.url}/`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await page.click('#cta');
  await page.mouse.wheel(0, 1500);
  await page.keyboard.type('hello');
  await page.waitForTimeout(200);
  assert.equal((await page.evaluate(() => iob.features())).clicks, 1, 'features are computed locally');
  assert.deepEqual(await storageSnapshot(page), { local: [], session: [], cookie: '' });
  await page.goto('about:blank'); // pagehide
  await page.waitForTimeout(300);
  assert.equal(ingest.length, 0, 'no request to the collector while the page was open');
  assert.deepEqual(await env.collector.dump(), []);
  await context.close();
});

test('after grant, real clicks and scrolls arrive at the collector on pagehide', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  const ingest = recordIngest(context);
  await page.goto(`${env.collector.url}/?utm_source=e2e&email=jane%40example.com#top`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await page.click('#consent-accept');
  await page.click('#cta');
  await page.click('#cta');
  await page.click('#cta');
  for (let i = 0; i < 30; i++) await page.mouse.wheel(0, 400);
  await waitFor(async () => (await page.evaluate(() => iob.features().scroll_depth_max_pct)) >= 99, 5000, 'scroll depth');
  const local = await page.evaluate(() => iob.features());
  const keys = (await storageSnapshot(page)).local.sort();
  assert.deepEqual(keys, ['iob:demo:consent'], 'only the consent choice is stored until the first send');
  const consent = await page.evaluate(() => iob.consent.state());
  assert.deepEqual(consent.granted, ['security', 'analytics']);
  assert.equal(consent.record.source, 'api');

  await page.goto('about:blank');
  const rows = await env.collector.waitForRows();
  assert.equal(rows.length, 1, JSON.stringify(rows));
  const row = rows[0];
  assert.equal(row.site, 'demo');
  assert.equal(row.seq, 1, 'one snapshot: pagehide and visibilitychange at unload do not both send');
  const f = row.features ?? row.f;
  assert.equal(f.clicks, 4, 'three CTA clicks plus the consent click');
  assert.ok(f.scroll_depth_max_pct >= 99, `scroll depth ${f.scroll_depth_max_pct}`);
  assert.ok(f.active_ms > 0 && f.active_ms <= f.visible_ms && f.visible_ms <= f.total_ms + 1, JSON.stringify(f));
  assert.ok(f.active_ms >= local.active_ms, 'the final snapshot is at least the earlier live one');
  assert.equal(row.path ?? row.ctx?.path, '/?utm_source=e2e', 'path normalised: no email, no fragment');
  assert.ok(!/jane|example\.com|email/.test(JSON.stringify(row)), 'no PII reaches the collector');
  assert.ok(ingest.every((r) => !r.body.includes('jane')), 'no PII in any observed request');
  await context.close();
});

test('revoke wipes storage and stops sending', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const ingest = recordIngest(context);
  await page.goto(`${env.collector.url}/article.html`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await page.click('#consent-accept');
  await page.evaluate(() => iob.flush());
  await waitFor(() => ingest.length === 1, 3000, 'the flushed payload');
  assert.ok((await storageSnapshot(page)).local.length >= 1);
  await page.click('#consent-revoke');
  assert.deepEqual(await storageSnapshot(page), { local: [], session: [], cookie: '' });
  assert.deepEqual((await page.evaluate(() => iob.consent.state())).granted, ['security']);
  await page.click('#cta');
  await page.goto('about:blank');
  await page.waitForTimeout(300);
  assert.equal(ingest.length, 1, 'nothing after withdrawal');
  await context.close();
});
