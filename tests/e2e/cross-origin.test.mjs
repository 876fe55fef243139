// End-to-end: the collector on another origin than the site (the common
// deployment). The page is served as http://localhost:PORT and posts to
// http://127.0.0.1:PORT, so every request is cross-origin: the posts
// (text/plain, no preflight) and the delivery probe (HEAD) must both be
// readable through CORS, or the SDK could never see an acknowledgement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCollectorAndBrowser, waitFor, freePort } from './harness.mjs';

const port = await freePort();
const siteOrigin = `http://localhost:${port}`;
const env = useCollectorAndBrowser({ port, origins: [siteOrigin] });

/** Loads a page without the SDK from the site origin, then starts the SDK from the npm entry with the cross-origin endpoint. */
async function start(page) {
  await page.goto(`${siteOrigin}/delivery/host-plain.html`);
  await page.evaluate(async (endpoint) => {
    const { init } = await import('/pkg/index.js');
    window.iob = await init({ site: 'demo', endpoint, consent: 'opt-out', snapshotIntervalMs: 1000 });
  }, `${env.collector.url}/v1/ingest`);
}

const outbox = (page) => page.evaluate(() => localStorage.getItem('iob:demo:outbox'));

test('cross-origin collector: posts are acknowledged, and the next page confirms the beacon with a probe instead of re-sending it', async () => {
  assert.notEqual(new URL(siteOrigin).origin, new URL(env.collector.url).origin, 'two origins');
  const context = await env.browser.newContext();
  const seen = [];
  context.on('response', async (r) => {
    if (r.url().startsWith(`${env.collector.url}/v1/ingest`)) {
      seen.push({ method: r.request().method(), url: r.url(), status: r.status(), body: r.request().postData() ?? '' });
    }
  });
  const page = await context.newPage();
  await start(page);
  await page.mouse.click(20, 20);
  await page.mouse.click(40, 20);
  // A periodic snapshot is posted and acknowledged: the outbox empties.
  await waitFor(async () => seen.some((s) => s.method === 'POST' && s.status === 204), 10000, 'an acknowledged post');
  await waitFor(async () => (await outbox(page)) === null, 5000, 'the outbox emptied by the acknowledgement');
  await page.mouse.click(60, 20);
  const pv = await page.evaluate(() => JSON.parse(iob.explain().last_payload).pv);
  // Leaving: the final snapshot goes by beacon (not visible to Playwright) and stays queued, unconfirmed.
  await page.goto('about:blank');
  const rows = async () => (await env.collector.dump()).filter((r) => r.pv === pv);
  await waitFor(async () => (await rows()).some((r) => r.features.clicks === 3), 10000, 'the beaconed final snapshot');
  const final = (await rows())[0].seq;
  await start(page);
  const probe = `site=demo&pv=${pv}&seq=${final}`;
  await waitFor(async () => seen.some((s) => s.method === 'HEAD' && s.url.endsWith(probe) && s.status === 204), 10000, 'a readable 204 for the probe');
  await waitFor(async () => (await outbox(page)) === null, 5000, 'the confirmed entry left the outbox');
  const reposts = seen.filter((s) => s.method === 'POST' && s.body.includes(`"pv":"${pv}"`) && s.body.includes(`"seq":${final},`));
  assert.deepEqual(reposts, [], 'the beaconed snapshot is not posted again');
  assert.equal((await rows()).length, 1, 'one row for the page view');
  await context.close();
});
