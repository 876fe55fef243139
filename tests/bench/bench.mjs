// `make bench` driver: serves the bench page and the bench build of the wasm
// on loopback, runs it in headless Debian Chromium and prints the results.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { chromium } from 'playwright-core';

const [dir, eventsArg] = process.argv.slice(2);
const total = Number(eventsArg || 1000000);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '') || 'bench.html';
    const body = await readFile(join(dir, path.replace(/\.\./g, '')));
    // Cross-origin isolation gives performance.now() 5 µs resolution (100 µs otherwise).
    res.writeHead(200, {
      'content-type': types[extname(path)] || 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/bench.html`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => typeof window.bench === 'function');
  const r = await page.evaluate((n) => window.bench(n), total);
  const ns = (x) => x.toFixed(0).padStart(6);
  const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
  console.log(`events per configuration:             ${r.total} (5 interleaved rounds)`);
  console.log(`median ns/event, dispatch only:        ${ns(r.baseline)}`);
  console.log(`median ns/event, a no-op JS listener:  ${ns(r.floor)}`);
  console.log(`median ns/event, with the SDK:         ${ns(r.withSdk)}`);
  console.log(`median ns/event, SDK, one 1M-event run: ${ns(r.longRun).trim()}`);
  console.log(`SDK cost per event (over dispatch only):   ${ns(r.withSdk - r.baseline).trim()}`);
  console.log(`SDK cost per event (over a no-op listener): ${ns(r.withSdk - r.floor).trim()}`);
  console.log(`wasm memory: after init ${kib(r.memStart)}, after 1M events ${kib(r.memAfter)}, after 2M ${kib(r.memAfter2)}`);
  console.log(`sanity: clicks ${r.features.clicks}, keystrokes ${r.features.keystrokes}, pointer_distance_px ${r.features.pointer_distance_px}`);
  await page.close();

  // Runs `fn` (a window function of page.js) once on each of 9 fresh pages; sorted results.
  const onFreshPages = async (fn) => {
    const out = [];
    for (let i = 0; i < 9; i++) {
      const p = await browser.newPage();
      await p.goto(url);
      await p.waitForFunction((name) => typeof window[name] === 'function', fn);
      out.push(await p.evaluate((name) => window[name](), fn));
      await p.close();
    }
    return out.sort((a, b) => a - b);
  };
  const starts = await onFreshPages('startup');
  const compiled = await onFreshPages('startupCompiled');
  const floors = await onFreshPages('touchFloor');
  const ms = (x) => `${x.toFixed(2)} ms`;
  console.log(`init to ready after the wasm fetch (compile + instantiate + new Iob), 9 fresh pages: median ${ms(starts[4])}, max ${ms(starts[8])}`);
  console.log(`init to ready after the wasm fetch and compile (instantiate + new Iob; the loader compiles while index.js loads), 9 fresh pages: median ${ms(compiled[4])}, max ${ms(compiled[8])}`);
  console.log(`floor: the same first browser-API touches in plain JS, 9 fresh pages: median ${ms(floors[4])}, max ${ms(floors[8])}`);

  const p = await browser.newPage();
  await p.goto(url);
  await p.waitForFunction(() => typeof window.tasks === 'function');
  const t = await p.evaluate(() => window.tasks(20000, 300));
  const row = (what, x, n) => console.log(`longest SDK task: ${what.padEnd(24)} first ${ms(x.first)}, median ${ms(x.median)}, p99 ${ms(x.p99)}, max ${ms(x.max)} (${n})`);
  row('new Iob', t.ctor, '20 instances on one page');
  row('one event', t.event, '20 000 events, timed one by one');
  row('snapshot (flush)', t.snapshot, `300: features, payload JSON (${t.sentBytes} bytes), outbox, fetch`);
  row('(floor) fetch() alone', t.fetch, '300 plain-JS calls with the same options and an 850-byte body');
  row('explain() + features()', t.reads, '200');
} finally {
  await browser.close();
  server.close();
}
