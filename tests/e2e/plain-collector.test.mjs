// End-to-end: delivery to a plain collector, a server that implements
// nothing of iob's protocol and answers 204 to every method on the ingest
// path (as many servers and proxies do), storing only POST bodies. Its 2xx
// to the delivery probe (HEAD) does not name the snapshot (no `Iob-Stored`
// header), so it must never count as "already stored": a visit made while
// the collector was down must arrive, exactly once, on the next visit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, waitFor } from './harness.mjs';
import { announced, current, interact, INTERVAL_MS, open, sameCounters, sameFeatures } from './session.mjs';
import { plainCollector, routeHostPage, startSite } from './site-server.mjs';

const collector = plainCollector();
let site;
let browser;
before(async () => {
  site = await startSite(collector.handle);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/** The POST bodies the plain collector kept for page view `pv`. */
const postsOf = (pv) => collector.posts.map((b) => JSON.parse(b)).filter((p) => p.pv === pv);

test('a plain collector (204 to every method) down for a whole visit, then up: the next visit posts the visit, once', async () => {
  const context = await browser.newContext();
  collector.down = true;
  const page = await open(context, site.url);
  await interact(page, { clicks: 3 });
  await page.waitForTimeout(INTERVAL_MS * 2.5); // periodic snapshots, every post fails
  await interact(page, { clicks: 1, wheels: 1, keys: '' });
  const before = await current(page);
  assert.ok(before.seq >= 1, 'snapshots were made while the collector was down');
  // Leaving while down: the final beacon is lost as well.
  await page.close({ runBeforeUnload: true });
  const final = (await announced(context, site.url))[before.pv];
  assert.ok(final.seq >= before.seq, 'the last snapshot the page announced');
  assert.deepEqual(collector.posts, [], 'nothing reached the collector during the visit');
  collector.down = false;
  // The next visit finds the visit in the outbox, asks the collector (HEAD),
  // gets a 204 that names nothing, and posts the body.
  const next = await open(context, site.url, '/delivery/next.html');
  const probe = `site=demo&pv=${final.pv}&seq=${final.seq}`;
  await waitFor(async () => postsOf(final.pv).length > 0, 10000, 'the visit posted on the next visit');
  assert.ok(collector.requests.some((r) => r.method === 'HEAD' && r.url.endsWith(probe)), 'it was probed first');
  await next.waitForTimeout(INTERVAL_MS * 2); // any repeat would come within this
  const posts = postsOf(final.pv);
  assert.equal(posts.length, 1, 'posted exactly once');
  assert.equal(posts[0].seq, final.seq, 'the final snapshot');
  sameFeatures(posts[0].f, final, 'plain collector');
  sameCounters(posts[0].f, before.features);
  assert.equal(posts[0].f.clicks, 4);
  await waitFor(async () => (await next.evaluate(() => localStorage.getItem('iob:demo:outbox'))) === null, 5000, 'the outbox emptied');
  await context.close();
});

/**
 * A page of its own with a long snapshot interval, so only the retry machine
 * or the `online` event can post again; two clicks made on it.
 */
async function resumePage() {
  const context = await browser.newContext();
  await routeHostPage(context, '/resume.html', 600000);
  const page = await context.newPage();
  await page.goto(site.url + '/resume.html');
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await interact(page, { clicks: 2, wheels: 0, keys: '' });
  return { context, page };
}

test('back online (`online`): a payload waiting out its retry backoff is posted at once', async () => {
  const { context, page } = await resumePage();
  // The page counts the requests that failed, as the SDK learns of each:
  // the collector counts a drop before the browser reports it, and an
  // `online` in between would find the attempt still in flight.
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.failed = 0;
    const original = w.fetch;
    w.fetch = (...args) => original(...args).catch((e) => {
      w.failed++;
      throw e;
    });
  });
  collector.down = true;
  const dropped = collector.dropped;
  await page.evaluate(() => window.iob.flush());
  // The post and its first two retries fail; right after the third failure
  // the next retry is 2-4 s away (backoff 4 s, equal jitter).
  await waitFor(async () => collector.dropped >= dropped + 3 && (await page.evaluate(() => window.failed)) >= 3, 10000, 'three failed attempts');
  collector.down = false;
  const before = collector.posts.length;
  const at = Date.now();
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await waitFor(async () => collector.posts.length > before, 5000, 'the waiting payload posted');
  const after = Date.now() - at;
  assert.ok(after < 400, `posted ${after} ms after \`online\`, not at the next retry`);
  assert.equal(JSON.parse(collector.posts[before]).f.clicks, 2);
  await context.close();
});

test('back online (`online`) while an attempt is out: when that attempt fails, the payload goes again at once', async () => {
  const { context, page } = await resumePage();
  // The collector holds the post open: it is in flight when `online` comes.
  collector.hold = true;
  const before = collector.posts.length;
  await page.evaluate(() => window.iob.flush());
  await waitFor(async () => collector.held.length === 1, 5000, 'the post held open');
  collector.hold = false;
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForTimeout(100);
  assert.equal(collector.posts.length, before, 'one post at a time: nothing else went while it was out');
  // That attempt began while offline; its failure is no reason to back off.
  const at = Date.now();
  collector.dropHeld();
  await waitFor(async () => collector.posts.length > before, 5000, 'the payload posted again');
  const after = Date.now() - at;
  assert.ok(after < 400, `posted ${after} ms after the held attempt failed, not after a backoff (500-1000 ms)`);
  assert.equal(JSON.parse(collector.posts[before]).f.clicks, 2);
  await context.close();
});
