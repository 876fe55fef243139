// End-to-end: several tabs of one site share one outbox in localStorage.
// Two and then three real tabs (pages of one browser context) open one after
// the other while the collector is down, each makes snapshots (and its
// unload beacon is lost), so every tab rewrites the shared outbox while the
// others hold unacknowledged snapshots of their own. When the collector is
// back, the next visit drains the outbox: every page view's final snapshot
// must be stored exactly once, with the features read before leaving. The
// tabs close together, so each leaves its final snapshot under a key of its
// own as well (its last words), which the next visit reads.
//
// The pages are served by a small site server that proxies /v1/ingest to the
// reference collector (502 while it is down), so tabs can open while the
// collector is unreachable and read what the tabs before them left.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, recordIngest, restartCollector, startCollector } from './harness.mjs';
import { announced, current, expectStored, interact, INTERVAL_MS, open, sameCounters } from './session.mjs';
import { proxyTo, startSite } from './site-server.mjs';

const env = { collector: null, site: null, browser: null };
before(async () => {
  env.site = await startSite(proxyTo(() => env.collector.port));
  env.collector = await startCollector({ origins: [env.site.url] });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.collector?.close();
  await env.site?.close();
});

/** The names of the last-words keys in storage, read from a page without the SDK. */
async function lastWordsIn(context) {
  const p = await context.newPage();
  await p.goto(env.site.url + '/delivery/host-plain.html');
  const names = await p.evaluate(() => Object.keys(localStorage).map((k) => k.split(':').pop()).filter((n) => n.startsWith('outbox.')));
  await p.close();
  return names;
}

for (const tabs of [2, 3]) {
  test(`${tabs} tabs, collector down then up: every page view is stored once with its final snapshot`, async () => {
    const context = await env.browser.newContext();
    await env.collector.stop();
    // Tabs open one after the other: each reads the outbox the others are writing.
    const pages = [];
    for (let i = 0; i < tabs; i++) {
      const page = await open(context, env.site.url);
      await interact(page, { clicks: i + 1 });
      await page.waitForTimeout(INTERVAL_MS * 1.5); // a periodic snapshot, queued
      pages.push(page);
    }
    // More input in every tab, in turn: snapshots keep replacing each other's in the outbox.
    for (const page of pages) {
      await interact(page, { clicks: 2, wheels: 1, keys: 'x' });
    }
    await pages[0].waitForTimeout(INTERVAL_MS * 1.5);
    const live = [];
    for (const page of pages) {
      const c = await current(page);
      assert.ok(c.seq >= 1, 'each tab queued snapshots while the collector was down');
      live.push(c);
    }
    // Leave every tab while the collector is still down: the final beacons
    // are lost. The tabs close together (close() does not wait), as when a
    // window is closed: a tab's last write of the shared outbox can hide
    // another's final snapshot, so each also leaves its own under
    // `outbox.<pv>.<seq>` (its last words, docs/delivery.md).
    for (const page of pages) await page.close({ runBeforeUnload: true });
    const finals = await announced(context, env.site.url);
    const lastWords = await lastWordsIn(context);
    for (const [i, { pv }] of live.entries()) {
      assert.ok(lastWords.includes(`outbox.${pv}.${finals[pv]?.seq}`), `tab ${i + 1} left its final snapshot as last words: ${lastWords}`);
    }
    env.collector = await restartCollector(env.collector);
    for (const { pv } of live) assert.deepEqual((await env.collector.dump()).filter((r) => r.pv === pv), [], 'nothing arrived while down');
    // The next visit drains what all the tabs left.
    const sent = recordIngest(context);
    const next = await open(context, env.site.url, '/delivery/next.html');
    // What a lost snapshot's failure message shows: the SDK's storage now,
    // the next visit's requests and every stored page view and seq.
    const diagnose = async () => JSON.stringify({
      storage: await next.evaluate(() => Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith('iob:')).map((k) => [k, (localStorage.getItem(k) || '').slice(0, 400)]))),
      requests: sent.map((r) => `${r.method} ${r.url.replace(env.site.url, '')} ${r.body.slice(0, 160)}`),
      stored: (await env.collector.dump()).map((r) => `${r.pv}:${r.seq}`),
      tabs: live.map(({ pv, seq }) => `${pv}:${seq} final ${finals[pv]?.seq}`),
    }, null, 1);
    for (const [i, { pv, seq, features }] of live.entries()) {
      const final = finals[pv];
      assert.ok(final && final.seq >= seq, `tab ${i + 1}: its final snapshot was announced`);
      const row = await expectStored(env.collector, final, `tab ${i + 1} of ${tabs}`, diagnose);
      sameCounters(row.features, features);
      assert.equal(row.features.clicks, i + 3, `tab ${i + 1}: its own clicks`);
    }
    await next.close();
    await context.close();
  });
}
