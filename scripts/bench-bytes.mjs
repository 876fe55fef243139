// Bytes sent per page view for a standard session (BENCHMARKS.md).
// Usage: node scripts/bench-bytes.mjs   (after `make pkg` and `cargo build -p iob-collector`)
//
// The standard session, on the example site (script tag, default settings:
// opt-in, 60 s snapshot interval): the visitor accepts analytics, clicks the
// button three times, scrolls to the bottom, types a few keys, reads for
// READ_MS, then follows a link to the next page, which stays open a moment.
// Every request body that reaches /v1/ingest is counted by a small counting
// proxy in front of the collector (so the beacon sent while the page unloads
// is counted too), with the page view it carries.
import http from 'node:http';
import { startCollector, launchBrowser, freePort } from '../tests/e2e/harness.mjs';

const READ_MS = Number(process.env.READ_MS ?? 65_000);

const proxyPort = await freePort();
const proxyOrigin = `http://127.0.0.1:${proxyPort}`;
const collector = await startCollector({ origins: [proxyOrigin] });
const sent = [];
const proxy = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    // Request line and headers, as the browser sent them (not in the budget's measure).
    const head = `${req.method} ${req.url} HTTP/1.1\r\n`.length + req.rawHeaders.reduce((n, h, i) => n + h.length + 2, 0) + 2;
    if (req.url.startsWith('/v1/ingest') && req.method === 'POST') {
      const text = body.toString();
      sent.push({ bytes: body.length, head, pv: (text.match(/"pv":"([0-9a-f]{32})"/) || [])[1], seq: (text.match(/"seq":(\d+)/) || [])[1], type: req.headers['sec-fetch-mode'] });
    } else if (req.url.startsWith('/v1/ingest?') && req.method === 'HEAD') {
      const q = new URL(req.url, 'http://x').searchParams;
      sent.push({ bytes: body.length, head, pv: q.get('pv'), seq: q.get('seq'), type: 'probe, HEAD' });
    }
    const up = http.request(collector.url + req.url, { method: req.method, headers: { ...req.headers, host: `127.0.0.1:${collector.port}` } }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(body);
  });
});
await new Promise((r) => proxy.listen(proxyPort, '127.0.0.1', r));
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  await page.goto(`${proxyOrigin}/`);
  await page.waitForFunction(() => window.iob && window.iob.features() !== null);
  await page.click('#consent-accept');
  for (let i = 0; i < 3; i++) await page.click('#cta');
  for (let i = 0; i < 30; i++) await page.mouse.wheel(0, 400);
  await page.keyboard.type('hello');
  await page.waitForTimeout(READ_MS);
  await page.mouse.wheel(0, -400);
  const pv = await page.evaluate(() => JSON.parse(iob.explain().last_payload || 'null')?.pv);
  await page.goto(`${proxyOrigin}/article.html`);
  await page.waitForTimeout(3000);
  const first = pv ?? sent.find((s) => s.pv)?.pv;
  const mine = sent.filter((s) => s.pv === first);
  const total = mine.reduce((n, s) => n + s.bytes, 0);
  for (const s of mine) console.log(`request (${s.type}) seq ${s.seq}: ${s.bytes} bytes (+ ${s.head} bytes of request line and headers)`);
  console.log(`largest payload: ${Math.max(...mine.map((s) => s.bytes))} bytes (limit 2048)`);
  console.log(`with request lines and headers: ${mine.reduce((n, s) => n + s.bytes + s.head, 0)} bytes`);
  console.log(`bytes sent per page view: ${total} in ${mine.length} requests`);
  const rows = (await collector.dump()).filter((r) => r.pv === first);
  console.log(`stored at the collector: ${rows.length} row, seq ${rows[0]?.seq}`);
} finally {
  await browser.close();
  proxy.close();
  await collector.close();
}
