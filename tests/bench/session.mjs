// `make bench-session`: main-thread cost of an SDK over one scripted session.
//
// One ~25 s session of two page views in headless Debian Chromium, driven
// with trusted input (Playwright's mouse, wheel and keyboard go through CDP
// Input.*, so every event has isTrusted = true): pointer paths, a consent
// click, wheel scrolling, a dead click, a text selection, typing with
// corrections, a rage click, reading pauses, a link to the second page, and
// the end of the visit (navigating away fires pagehide). The page is the same
// for every variant except the SDK's script tag; the no-SDK baseline runs the
// identical page and script. Each run uses a fresh browser context (empty
// cache and storage: a first visit, then a second page view with the wasm
// cached). Variants are interleaved run by run.
//
// Measures, each as the variant minus the baseline:
// 1. CDP Performance.getMetrics over the whole tab session (both page views
//    and both pagehides): ScriptDuration and TaskDuration. The browser runs
//    with RenderDocument disabled so that one document's counters continue
//    into the next one (by default a navigation starts fresh counters and
//    the pagehide of the page being left is lost). ScriptDuration counts
//    script run by a task (a classic script, a listener, a timer, a frame
//    callback) but NOT promise reactions (microtasks) run after a network
//    task: work after `await import()`, after a wasm instantiation or in a
//    fetch's `.then` is invisible to it. TaskDuration sees it but also every
//    style, layout and paint, so its difference is noisy.
// 2. ScriptDuration + microtask checkpoints: the same runs also trace the
//    `toplevel` category (two events per task, paid alike by every variant)
//    and add the main thread's BlinkScheduler_PerformMicrotaskCheckpoint time,
//    where those promise reactions run. This is the complete script figure
//    for an SDK that starts in a promise chain (iob-sdk's start-up).
// 3. Optional (--profiled-runs N): separate runs under the CPU profiler,
//    counting samples with an SDK frame anywhere on the stack, grouped by the
//    outermost SDK function. Useful to see where time starts, but biased: the
//    profiler makes V8 collect source positions and log every compiled
//    function, which inflates compilation and short frequent calls several
//    times over; compare variants with 1 and 2, not with this.
//
// Usage: node tests/bench/session.mjs [--runs N] [--profiled-runs N]
//          [--sdks none,iob,lite,floor,plausible,snowplow] [--iob name=pkgdir ...]
//          [--profile name] [--trace a,b] [--thread-ticks]
//   --runs N           interleaved runs per variant (default BENCH_RUNS or 3)
//   --profiled-runs N  profiled runs per SDK variant (default 0)
//   --iob name=dir     adds an iob-sdk variant served from another built pkg/
//                      (before/after comparisons, interleaved); `iob` is ./pkg
//   --profile name     one extra profiled run: self time by function and script
//   --interval µs      sampling interval of the profiled runs (default 1000)
//   --trace a,b        one extra run of each variant under tracing: main-thread
//                      events grouped, and each one's difference from `none`
//   --thread-ticks     durations in main-thread CPU time instead of wall time
//   --ready N          fresh page loads per iob variant timing the script tag to
//                      `iob.ready` (default 7; 0 skips)
//   --worker           adds `worker`: the prototype with the features engine in
//                      a Web Worker (tests/bench/worker/; needs `make size-floor`)
//   --churn            the site's script also changes the page every 100 ms (a
//                      ticking clock: a text and a style attribute), in every
//                      variant, as sites with clocks, carousels or animations do
// BENCH_CHROMIUM_FLAGS adds browser flags (experiments, e.g. --js-flags=--no-liftoff).
// The collector is a stub on the same origin answering 204 to every POST and
// HEAD (and to Snowplow's and Plausible's endpoints), counting requests.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, extname, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = join(root, 'tests', 'bench', 'session');

// ---- arguments ----
const argv = process.argv.slice(2);
const opt = { runs: Number(process.env.BENCH_RUNS || 3), interval: 1000, ready: 7, profiled: null, sdks: null, iob: [], profile: null, trace: null, threadTicks: false, worker: false, churn: false };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--runs') opt.runs = Number(argv[++i]);
  else if (a === '--profiled-runs') opt.profiled = Number(argv[++i]);
  else if (a === '--sdks') opt.sdks = argv[++i].split(',');
  else if (a === '--iob') opt.iob.push(argv[++i]);
  else if (a === '--profile') opt.profile = argv[++i];
  else if (a === '--trace') opt.trace = argv[++i];
  else if (a === '--thread-ticks') opt.threadTicks = true;
  else if (a === '--worker') opt.worker = true;
  else if (a === '--churn') opt.churn = true;
  else if (a === '--ready') opt.ready = Number(argv[++i]);
  else if (a === '--interval') opt.interval = Number(argv[++i]);
  else throw new Error(`unknown argument ${a}`);
}
if (opt.profiled === null) opt.profiled = 0;

// ---- variants: what goes into the page's head ----
/** @type {Map<string, { head: string, files: string[] }>} */
const variants = new Map();
/** Static files served by prefix: '/pkg-NAME/' -> directory. */
const mounts = new Map();
variants.set('none', { head: '', files: [] });
/** An iob-sdk variant: `script` (iob.js, or iob-lite.js with its lite/ files) from a built package `dir`. */
const addIob = (name, dir, script = 'iob.js', files = ['iob.js', 'index.js', 'iob_sdk_bg.wasm', 'worker.js', 'core.wasm']) => {
  dir = resolve(root, dir);
  if (!existsSync(join(dir, script))) throw new Error(`${dir}/${script} not found: build the package first (make pkg)`);
  mounts.set(`/pkg-${name}/`, dir);
  // What sites paste: the script tag, configured by data-* attributes (opt-in:
  // nothing is sent before the consent click on the first page).
  variants.set(name, {
    head: `<script defer src="/pkg-${name}/${script}" data-site="bench" data-endpoint="/v1/ingest"></script>`,
    files: files.map((f) => join(dir, f)).filter((f) => existsSync(f)),
  });
};
addIob('iob', 'pkg');
// The lite build (iob-lite.js loads pkg/lite/), when asked for: --sdks ...,lite
if (opt.sdks && opt.sdks.includes('lite')) addIob('lite', 'pkg', 'iob-lite.js', ['iob-lite.js', 'lite/index.js', 'lite/iob_sdk_bg.wasm']);
if (opt.worker) {
  // The Worker prototype as a package of its own: main.js (the script tag),
  // worker.js, and the core behind its bare C ABI (make size-floor).
  const dir = join(root, 'target', 'pkg-worker');
  const core = join(root, 'target', 'size-floor', 'core.wasm');
  if (!existsSync(core)) throw new Error(`${core} not found: run make size-floor first`);
  mkdirSync(dir, { recursive: true });
  for (const [entry, out] of [['main.js', 'iob.js'], ['worker.js', 'worker.js']]) {
    await build({ entryPoints: [join(root, 'tests', 'bench', 'worker', entry)], bundle: true, minify: !process.env.BENCH_NO_MINIFY, format: 'iife', target: 'es2020', outfile: join(dir, out), logLevel: 'warning' });
  }
  copyFileSync(core, join(dir, 'core.wasm'));
  opt.iob.push(`worker=${dir}`);
}
for (const spec of opt.iob) {
  const [name, dir] = spec.split('=');
  addIob(name, dir);
}
// Other SDKs, bundled from their npm packages (devDependencies) when installed.
const others = {
  plausible: '@plausible-analytics/tracker',
  snowplow: '@snowplow/browser-tracker',
};
const bundled = new Map();
// The listener floor: 17 passive no-op listeners (tests/bench/session/floor.js).
if (opt.sdks && opt.sdks.includes('floor')) {
  const code = readFileSync(join(here, 'floor.js'));
  bundled.set('/sdk/floor.js', code);
  variants.set('floor', { head: '<script defer src="/sdk/floor.js"></script>', files: [], bytes: code, version: 'no-op listeners' });
}
for (const [name, pkgName] of Object.entries(others)) {
  if (opt.sdks && !opt.sdks.includes(name)) continue;
  if (!existsSync(join(root, 'node_modules', pkgName))) {
    console.log(`skipping ${name}: ${pkgName} is not installed (npm ci)`);
    continue;
  }
  const r = await build({ entryPoints: [join(here, `${name}.js`)], bundle: true, minify: true, format: 'iife', target: 'es2020', write: false, logLevel: 'warning' });
  const code = r.outputFiles[0].contents;
  bundled.set(`/sdk/${name}.js`, code);
  const pkgJson = JSON.parse(readFileSync(join(root, 'node_modules', pkgName, 'package.json'), 'utf8'));
  variants.set(name, { head: `<script defer src="/sdk/${name}.js"></script>`, files: [], bytes: code, version: pkgJson.version });
}
const chosen = [...variants.keys()].filter((v) => !opt.sdks || opt.sdks.includes(v) || opt.iob.some((s) => s.startsWith(`${v}=`)));
if (!chosen.includes('none')) chosen.unshift('none');

// ---- the site ----
const template = readFileSync(join(here, 'page.html'), 'utf8');
const siteJs = readFileSync(join(here, 'site.js'));
// A long article (deterministic text), so that there is something to scroll and select.
const words = 'attention reading scroll pointer rhythm engagement page visitor measure aggregate device browser consent privacy signal feature snapshot session quiet morning paragraph river'.split(' ');
const article = (seed) => {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648);
  const out = [];
  for (let p = 0; p < 40; p++) {
    const n = 60 + (next() % 40);
    const ws = [];
    for (let w = 0; w < n; w++) ws.push(words[next() % words.length]);
    out.push(`<p>${ws.join(' ')}.</p>`);
  }
  return out.join('\n    ');
};
const pages = {
  'a.html': { title: 'Bench site: first page', next: 'b.html', label: 'Next page', article: article(1) },
  'b.html': { title: 'Bench site: second page', next: 'a.html', label: 'Back to the first page', article: article(2) },
};
const html = (variant, file) => {
  const p = pages[file];
  return template
    .replaceAll('{{TITLE}}', p.title)
    .replace('{{SDK}}', variants.get(variant).head + (opt.churn ? '\n  <script>window.benchChurn = true;</script>' : ''))
    .replace('{{NEXT}}', p.next)
    .replace('{{NEXT_LABEL}}', p.label)
    .replace('{{ARTICLE}}', p.article);
};

// ---- the server: pages, packages, bundled SDKs, and a collector stub ----
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const hits = { requests: 0, bytes: 0, kinds: {} };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  if (req.method === 'POST' || req.method === 'HEAD' || path.startsWith('/v1/') || path.startsWith('/api/') || path.startsWith('/com.snowplowanalytics')) {
    let n = 0;
    req.on('data', (c) => (n += c.length));
    req.on('end', () => {
      hits.requests++;
      hits.bytes += n;
      const kind = `${req.method} ${path}`;
      hits.kinds[kind] = (hits.kinds[kind] || 0) + 1;
      res.writeHead(204, { 'access-control-allow-origin': req.headers.origin || '*', 'access-control-allow-credentials': 'true' }).end();
    });
    return;
  }
  if (process.env.BENCH_DEBUG) console.log(`  [server] ${req.method} ${path}`);
  const send = (body, type) => res.writeHead(200, { 'content-type': type, 'cache-control': 'max-age=3600' }).end(body);
  const m = path.match(/^\/v\/([\w-]+)\/([ab]\.html)$/);
  if (m && variants.has(m[1])) return send(html(m[1], m[2]), types['.html']);
  if (path === '/site.js') return send(siteJs, types['.js']);
  if (bundled.has(path)) return send(bundled.get(path), types['.js']);
  for (const [prefix, dir] of mounts) {
    if (path.startsWith(prefix)) {
      const file = path.slice(prefix.length).replace(/\.\./g, '');
      return readFile(join(dir, file)).then(
        (b) => send(b, types[extname(file)] || 'application/octet-stream'),
        () => res.writeHead(404).end(),
      );
    }
  }
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- the scripted session ----
/** A seeded generator, so every variant gets exactly the same input. */
const prng = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const VIEWPORT = { width: 1280, height: 800 };
// Fixed controls (aside, right): see page.html.
const AT = { accept: [1020, 40], cta: [1020, 100], email: [1020, 160], next: [960, 220] };

/**
 * One session on `page`, starting at `base` (…/v/NAME/). Returns its wall
 * time, ms; pushes the page's own input counters of each page view to `seen`.
 */
async function session(page, base, seen) {
  const rnd = prng(42);
  const m = page.mouse;
  let pos = [640, 400];
  // A human-like glide to (x, y) taking `ms`: a curved path, one move per
  // 16 ms frame (paced by the clock, so a slow machine sends fewer, not later).
  const glide = async (x, y, ms) => {
    const [x0, y0] = pos;
    const steps = Math.max(2, Math.round(ms / 16));
    const bend = (rnd() - 0.5) * 120;
    const jitter = Array.from({ length: steps * 2 }, () => (rnd() - 0.5) * 2);
    const start = Date.now();
    for (let i = 1; i <= steps; i++) {
      const f = i / steps;
      const e = f * f * (3 - 2 * f);
      const px = x0 + (x - x0) * e - Math.sin(Math.PI * f) * bend * 0.5 + jitter[2 * i - 2];
      const py = y0 + (y - y0) * e + Math.sin(Math.PI * f) * bend + jitter[2 * i - 1];
      await m.move(px, py);
      const due = start + i * 16 - Date.now();
      if (due > 0) await sleep(due);
    }
    pos = [x, y];
  };
  const wander = async (n) => {
    for (let i = 0; i < n; i++) await glide(80 + rnd() * 700, 80 + rnd() * 640, 300 + rnd() * 400);
  };
  const click = async () => m.click(pos[0], pos[1]);
  const wheel = async (dy, times, gap) => {
    for (let i = 0; i < times; i++) {
      await m.wheel(0, dy);
      await sleep(gap);
    }
  };
  const select = async () => {
    await m.down();
    await glide(pos[0] + 320, pos[1] + 50, 400);
    await m.up();
  };
  const t0 = Date.now();

  // Page view 1: a first visit.
  await page.goto(`${base}a.html`, { waitUntil: 'load' });
  await sleep(400);
  await glide(...AT.accept, 600);
  await click(); // consent: analytics granted (iob-sdk)
  await wander(3);
  await glide(300, 400, 300);
  await wheel(240, 8, 120);
  await wander(2);
  await glide(250, 300, 300);
  await click(); // a dead click on text
  await glide(120, 250, 300);
  await select(); // a text selection
  await glide(...AT.email, 500);
  await click();
  await page.keyboard.type('hello world', { delay: 110 });
  await page.keyboard.press('Backspace');
  await sleep(120);
  await page.keyboard.press('Backspace');
  await glide(...AT.cta, 500);
  await click();
  await wander(1);
  await glide(400, 500, 300);
  for (let i = 0; i < 3; i++) {
    await click(); // a rage click
    await sleep(150);
  }
  await wheel(-200, 3, 150);
  await sleep(1200); // reading
  await wander(1);
  await glide(...AT.next, 600);
  seen.push(await page.evaluate(() => /** @type {any} */ (window).benchSeen));
  await Promise.all([page.waitForURL(`${base}b.html`, { waitUntil: 'load' }), click()]);

  // Page view 2: the wasm is now in the HTTP cache; consent was stored.
  await sleep(400);
  await wander(2);
  await glide(300, 420, 300);
  await wheel(300, 10, 140);
  await wander(2);
  await glide(...AT.cta, 500);
  await click();
  await glide(200, 350, 400);
  await select();
  await wander(1);
  await glide(...AT.email, 500);
  await click();
  await page.keyboard.type('feedback', { delay: 120 });
  await page.keyboard.press('Backspace');
  await wheel(-300, 4, 150);
  await sleep(1500); // reading
  await wander(2);
  await wheel(200, 5, 160);
  await sleep(500);
  seen.push(await page.evaluate(() => /** @type {any} */ (window).benchSeen));
  // The end of the visit: leaving fires pagehide (the final snapshot).
  await page.goto('about:blank');
  await sleep(500);
  return Date.now() - t0;
}

// ---- runs ----
const launchArgs = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-features=RenderDocument', ...(process.env.BENCH_CHROMIUM_FLAGS || '').split(' ').filter(Boolean)];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: launchArgs });

/** One session of `variant` in a fresh context; optional `extra(cdp)` hooks before and after. */
async function runOnce(variant, hooks = {}) {
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: opt.threadTicks ? 'threadTicks' : 'timeTicks' });
  // Measured runs also trace the `toplevel` category (two events per task, a
  // small cost every variant pays alike) for the microtask checkpoints.
  const trace = !hooks.before;
  const events = [];
  if (trace) {
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['toplevel'] }, transferMode: 'ReportEvents' });
  }
  if (hooks.before) await hooks.before(cdp);
  Object.assign(hits, { requests: 0, bytes: 0, kinds: {} });
  const seen = [];
  if (process.env.BENCH_DEBUG) {
    page.on('console', (m) => console.log(`  [console] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`  [pageerror] ${e.message}`));
    page.on('requestfailed', (r) => console.log(`  [requestfailed] ${r.url()} ${r.failure()?.errorText}`));
  }
  const wall = await session(page, `${origin}/v/${variant}/`, seen).catch(async (e) => {
    await ctx.close();
    throw e;
  });
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
  const extra = hooks.after ? await hooks.after(cdp) : null;
  let micro = NaN;
  let long = NaN;
  if (trace) {
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.end');
    await done;
    const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
    micro = events.filter((e) => e.name === 'BlinkScheduler_PerformMicrotaskCheckpoint' && e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`)).reduce((sum, e) => sum + e.dur / 1000, 0);
    long = events.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && e.ph === 'X' && e.dur > 5000 && mains.has(`${e.pid}:${e.tid}`)).length;
  }
  await ctx.close();
  return { wall, script: metrics.ScriptDuration * 1000, micro, long, task: metrics.TaskDuration * 1000, hits: { ...hits, kinds: { ...hits.kinds } }, seen, extra };
}

const fmt = (x) => x.toFixed(1);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`bench-session: ${opt.runs} interleaved runs of [${chosen.join(', ')}], ${origin}, Chromium ${browser.version()}`);
for (const [name, v] of variants) {
  if (!chosen.includes(name) || name === 'none') continue;
  const files = v.bytes ? [[`${name} ${v.version} (bundled)`, v.bytes]] : v.files.map((f) => [f.slice(root.length + 1), readFileSync(f)]);
  const gz = files.reduce((s, [, b]) => s + gzipSync(b, { level: 9 }).length, 0);
  console.log(`  ${name.padEnd(10)} ${String(gz).padStart(6)} gzip bytes (${files.map(([f]) => f).join(', ')})`);
}
console.log(`load average before: ${load()}`);
console.log('input per page view: pointermove/click/keydown/wheel/scroll events the page saw');
/** @type {Record<string, Array<ReturnType<typeof runOnce> extends Promise<infer R> ? R : never>>} */
const results = Object.fromEntries(chosen.map((v) => [v, []]));
for (let r = 0; r < opt.runs; r++) {
  // Rotate the order every run, so no variant always follows the same one.
  const order = chosen.map((_, i) => chosen[(i + r) % chosen.length]);
  for (const v of order) {
    const x = await runOnce(v);
    results[v].push(x);
    const sent = Object.entries(x.hits.kinds).map(([k, n]) => `${n}× ${k}`).join(', ') || 'nothing';
    const input = x.seen.map((s) => `${s.pointermove}/${s.click}/${s.keydown}/${s.wheel}/${s.scroll}`).join(' + ');
    console.log(`run ${r + 1} ${v.padEnd(10)} script ${fmt(x.script).padStart(6)} ms  microtasks ${fmt(x.micro).padStart(5)} ms  task ${fmt(x.task).padStart(6)} ms  session ${(x.wall / 1000).toFixed(1)} s  input ${input}  sent: ${sent} (${x.hits.bytes} body bytes)  load ${load()}`);
  }
}
console.log(`load average after: ${load()}`);
if (opt.runs > 0) printTable();

// ---- script tag to ready ----
const iobVariants = chosen.filter((v) => variants.get(v).files.some((f) => f.endsWith('index.js')));
if (opt.ready > 0 && iobVariants.length) {
  // window.iob is set by the loader; its `ready` settles once the wasm is
  // instantiated and the SDK constructed. Fresh context each time (cold cache).
  const readyAt = Object.fromEntries(iobVariants.map((v) => [v, []]));
  for (let r = 0; r < opt.ready; r++) {
    for (const v of iobVariants) {
      const ctx = await browser.newContext({ viewport: VIEWPORT });
      await ctx.addInitScript(() => {
        let value;
        Object.defineProperty(window, 'iob', {
          configurable: true,
          get: () => value,
          set: (x) => {
            value = x;
            if (x && x.ready) x.ready.then(() => ((/** @type {any} */ (window)).__readyAt = performance.now()), () => {});
          },
        });
      });
      const page = await ctx.newPage();
      await page.goto(`${origin}/v/${v}/a.html`, { waitUntil: 'load' });
      const at = await page.waitForFunction(() => (/** @type {any} */ (window)).__readyAt, null, { timeout: 10000 }).then((h) => h.jsonValue());
      const dcl = await page.evaluate(() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd);
      readyAt[v].push([at, at - dcl]);
      await ctx.close();
    }
  }
  console.log(`\nscript tag to ready, ${opt.ready} fresh page loads each (ms since navigation start; after DOMContentLoaded): median [min-max]`);
  for (const v of iobVariants) {
    const a = readyAt[v].map((x) => x[0]);
    const b = readyAt[v].map((x) => x[1]);
    console.log(`${v.padEnd(10)}  ${fmt(median(a)).padStart(6)} [${fmt(Math.min(...a))}-${fmt(Math.max(...a))}]   ${fmt(median(b)).padStart(6)} [${fmt(Math.min(...b))}-${fmt(Math.max(...b))}]`);
  }
}

// ---- SDK time from the CPU profiler ----
if (opt.profiled > 0) {
  const sdkVariants = chosen.filter((v) => v !== 'none');
  const attributed = Object.fromEntries(sdkVariants.map((v) => [v, []]));
  console.log(`\nprofiled runs (${opt.interval} µs sampling): SDK time = samples with an SDK frame on the stack`);
  for (let r = 0; r < opt.profiled; r++) {
    for (const v of sdkVariants.map((_, i) => sdkVariants[(i + r) % sdkVariants.length])) {
      const x = await runOnce(v, {
        before: async (cdp) => {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: opt.interval });
          await cdp.send('Profiler.start');
        },
        after: async (cdp) => (await cdp.send('Profiler.stop')).profile,
      });
      const a = attribute(x.extra);
      a.script = x.script;
      attributed[v].push(a);
      console.log(`profiled run ${r + 1} ${v.padEnd(10)} SDK ${fmt(a.total).padStart(6)} ms  (ScriptDuration under the profiler ${fmt(x.script)} ms)  load ${load()}`);
    }
  }
  console.log(`\nvariant     SDK time ms: median [min-max]   where it starts (outermost SDK function: median ms)`);
  for (const v of sdkVariants) {
    const xs = attributed[v];
    const t = xs.map((a) => a.total);
    const keys = new Set(xs.flatMap((a) => [...a.by.keys()]));
    const rows = [...keys].map((k) => [k, median(xs.map((a) => a.by.get(k) || 0))]).sort((a, b) => b[1] - a[1]);
    console.log(`${v.padEnd(10)}  ${`${fmt(median(t)).padStart(6)} [${fmt(Math.min(...t))}-${fmt(Math.max(...t))}]`.padEnd(30)}`);
    for (const [k, ms] of rows.slice(0, 8)) console.log(`${''.padEnd(44)}${fmt(ms).padStart(6)}  ${k}`);
  }
}

function printTable() {
  // Each measure: the variant's median [min-max], and its difference from the
  // baseline: difference of medians, and the run-by-run (paired) differences.
  const base = results.none;
  const measures = [
    ['ScriptDuration', (x) => x.script],
    ['ScriptDuration + microtask checkpoints', (x) => x.script + x.micro],
    ['TaskDuration', (x) => x.task],
    ['main-thread tasks over 5 ms (count; navigations and page loads included)', (x) => x.long],
  ];
  const range = (a) => `${fmt(median(a))} [${fmt(Math.min(...a))}-${fmt(Math.max(...a))}]`;
  for (const [name, get] of measures) {
    console.log(`\n${name}${name.startsWith('main-thread') ? '' : ', ms'}: variant median [min-max]; Δ vs none (median of each); paired Δ run by run`);
    for (const v of chosen) {
      const a = results[v].map(get);
      const b = base.map(get);
      const paired = a.map((x, i) => x - b[i]);
      const d = v === 'none' ? '' : `Δ ${fmt(median(a) - median(b)).padStart(6)}   paired ${fmt(median(paired))} [${fmt(Math.min(...paired))}-${fmt(Math.max(...paired))}]`;
      console.log(`  ${v.padEnd(10)} ${range(a).padEnd(26)} ${d}`);
    }
  }
}

// ---- optional: where the time goes ----
if (opt.profile) {
  const x = await runOnce(opt.profile, {
    before: async (cdp) => {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    },
    after: async (cdp) => (await cdp.send('Profiler.stop')).profile,
  });
  summariseProfile(x.extra, x.script);
}
if (opt.trace) {
  const traces = [];
  for (const v of opt.trace.split(',')) traces.push(await traceOnce(v));
  printTraces(traces);
}

await browser.close();
server.close();

/** Self time by function (and by script) from a CPU profile. */
function summariseProfile(profile, scriptMs) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const d = (dt[i + 1] ?? 0) / 1000;
    self.set(n.id, (self.get(n.id) || 0) + d);
  }
  const fn = new Map();
  const byScript = new Map();
  for (const [id, ms] of self) {
    const cf = byId.get(id).callFrame;
    const file = cf.url ? cf.url.replace(origin, '') : `(${cf.functionName || 'native'})`;
    const key = `${cf.functionName || '(anonymous)'} ${file}${cf.url ? `:${cf.lineNumber + 1}:${cf.columnNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) || 0) + ms);
    byScript.set(file, (byScript.get(file) || 0) + ms);
  }
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(`\nCPU profile of one ${opt.profile} run (100 µs sampling; ScriptDuration of this run ${fmt(scriptMs)} ms; idle and program excluded below)`);
  console.log('self ms by script:');
  for (const [k, ms] of top(byScript, 14)) if (!/^\((idle|program)\)$/.test(k)) console.log(`  ${ms.toFixed(1).padStart(7)}  ${k}`);
  console.log('self ms by function:');
  for (const [k, ms] of top(fn, 30)) if (!/^\((idle|program)\)/.test(k)) console.log(`  ${ms.toFixed(1).padStart(7)}  ${k}`);
}

/** Main-thread trace events of one run of `variant`, grouped by name (and URL or event type). */
async function traceOnce(variant) {
  const events = [];
  await runOnce(variant, {
    before: async (cdp) => {
      cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
      await cdp.send('Tracing.start', {
        traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.wasm', 'toplevel', 'loading'] },
        transferMode: 'ReportEvents',
      });
    },
    after: async (cdp) => {
      const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
      await cdp.send('Tracing.end');
      await done;
    },
  });
  if (process.env.BENCH_TRACE_OUT) writeFileSync(`${process.env.BENCH_TRACE_OUT}-${variant}.json`, JSON.stringify(events));
  const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const on = events.filter((e) => mains.has(`${e.pid}:${e.tid}`) && e.ph === 'X' && e.dur);
  const by = new Map();
  for (const e of on) {
    let key = e.name;
    const d = e.args && (e.args.data || e.args);
    if (d && d.url) key += ` ${d.url.replace(origin, '')}`;
    else if (d && d.type) key += ` ${d.type}`;
    else if (d && d.functionName) key += ` ${d.functionName}`;
    const s = by.get(key) || { n: 0, ms: 0, max: 0 };
    s.n++;
    s.ms += e.dur / 1000;
    s.max = Math.max(s.max, e.dur / 1000);
    by.set(key, s);
  }
  const tasks = on.filter((e) => e.name === 'ThreadControllerImpl::RunTask');
  const long = tasks.filter((e) => e.dur > 5000).map((e) => (e.dur / 1000).toFixed(1));
  return { variant, by, tasks: tasks.length, taskMs: tasks.reduce((s, e) => s + e.dur, 0) / 1000, long };
}

/** Prints each trace, and with a baseline, what the other variants add to it. */
function printTraces(traces) {
  for (const t of traces) {
    console.log(`\ntrace of one ${t.variant} run: ${t.tasks} main-thread tasks, ${fmt(t.taskMs)} ms; tasks over 5 ms (ms): ${t.long.join(', ') || 'none'}`);
  }
  const base = traces.find((t) => t.variant === 'none');
  for (const t of traces) {
    if (t === base) continue;
    const keys = new Set([...t.by.keys(), ...(base ? base.by.keys() : [])]);
    const rows = [...keys].map((k) => {
      const a = t.by.get(k) || { n: 0, ms: 0, max: 0 };
      const b = (base && base.by.get(k)) || { n: 0, ms: 0, max: 0 };
      return [k, a, b];
    });
    rows.sort((x, y) => Math.abs(y[1].ms - y[2].ms) - Math.abs(x[1].ms - x[2].ms));
    console.log(`\n${t.variant}${base ? ' minus none' : ''}: trace events on the main thread, by total duration (nested events overlap)`);
    console.log(`  ${t.variant.padStart(8)} ms  count   max ms  ${base ? '    none ms  count   ' : ''}  event`);
    for (const [k, a, b] of rows.slice(0, 40)) {
      const bb = base ? `${b.ms.toFixed(1).padStart(10)} ${String(b.n).padStart(6)}   ` : '';
      console.log(`  ${a.ms.toFixed(1).padStart(11)} ${String(a.n).padStart(6)} ${a.max.toFixed(2).padStart(8)}  ${bb}  ${k}`);
    }
  }
}

/**
 * SDK time of a CPU profile: samples with a frame from an SDK file (the
 * package under /pkg-*, a bundled SDK under /sdk/) anywhere on the stack,
 * grouped by the outermost such frame.
 */
function attribute(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const isSdk = (n) => /\/(pkg-[\w-]+|sdk)\//.test(n.callFrame.url);
  const top = new Map();
  const outermost = (id) => {
    if (top.has(id)) return top.get(id);
    const p = parent.get(id);
    const above = p === undefined ? null : outermost(p);
    const n = byId.get(id);
    const r = above || (isSdk(n) ? n : null);
    top.set(id, r);
    return r;
  };
  const by = new Map();
  let total = 0;
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const o = outermost(profile.samples[i]);
    if (!o) continue;
    const ms = (dt[i + 1] ?? 0) / 1000;
    total += ms;
    const cf = o.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url.replace(origin, '')}:${cf.lineNumber + 1}:${cf.columnNumber + 1}`;
    by.set(key, (by.get(key) || 0) + ms);
  }
  return { total, by };
}
