// `make bench` driver: serves the bench page and the bench build of the wasm
// on loopback, runs it in headless Debian Chromium and prints the results:
// ns per event, wasm memory, init to ready and its breakdown, longest tasks.
import { instrumentedCopy } from './instrument.mjs';
import { serve, launch, onFreshPage } from './serve.mjs';

const [dir, eventsArg] = process.argv.slice(2);
const total = Number(eventsArg || 1000000);
const server = await serve(dir);
const url = server.url;
const browser = await launch();
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
  const onFreshPages = async (fn, at = url) => {
    const out = [];
    for (let i = 0; i < 9; i++) out.push(await onFreshPage(browser, at, fn));
    return typeof out[0] === 'number' ? out.sort((a, b) => a - b) : out;
  };
  const starts = await onFreshPages('startup');
  const compiled = await onFreshPages('startupCompiled');
  const floors = await onFreshPages('touchFloor');
  const ms = (x) => `${x.toFixed(2)} ms`;
  console.log(`init to ready after the wasm fetch (compile + instantiate + new Iob), 9 fresh pages: median ${ms(starts[4])}, max ${ms(starts[8])}`);
  console.log(`init to ready after the wasm fetch and compile (instantiate + new Iob; the loader compiles while index.js loads), 9 fresh pages: median ${ms(compiled[4])}, max ${ms(compiled[8])}`);
  console.log(`floor: the same first browser-API touches in plain JS, 9 fresh pages: median ${ms(floors[4])}, max ${ms(floors[8])}`);

  // Where init to ready goes: the snippets' own JS (timed in the copy of
  // instrument.mjs), and the rest of `new Iob` (the wasm's work, its lazy
  // compilation, the glue); then the lazy compilation alone, from a trace of
  // the unchanged build (tracing inflates it: read it as a share).
  await instrumentedCopy(dir);
  const parts = await onFreshPages('startupParts', url.replace('/bench.html', '/parts/bench.html'));
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const names = [...new Set(parts.flatMap((r) => Object.keys(r.snippets)))];
  const snippetSum = (r) => Object.values(r.snippets).reduce((a, b) => a + b, 0);
  const each = names.map((n) => [n, median(parts.map((r) => r.snippets[n] || 0))]).sort((a, b) => b[1] - a[1]);
  console.log(`start-up breakdown, 9 fresh pages, medians: instantiate ${ms(median(parts.map((r) => r.instantiate)))}; new Iob ${ms(median(parts.map((r) => r.construct)))}`);
  console.log(`  of new Iob, the JS snippets: ${ms(median(parts.map(snippetSum)))} (${each.filter(([, v]) => v >= 0.05).map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ')})`);
  console.log(`  of new Iob, the rest (the wasm's work, its lazy compilation, the glue): ${ms(median(parts.map((r) => r.construct - snippetSum(r))))}`);
  const lazy = [];
  const traced = async (p, run) => {
    await browser.startTracing(p, { categories: ['v8.wasm', 'disabled-by-default-v8.wasm.detailed', 'disabled-by-default-v8.compile'] });
    await run();
    return JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  };
  for (let i = 0; i < 3; i++) {
    const events = await onFreshPage(browser, url, 'startupCompiled', traced);
    const of = (name) => events.filter((e) => e.name === name && e.ph === 'X');
    const total = (list) => list.reduce((a, e) => a + e.dur / 1000, 0);
    lazy.push({ n: of('wasm.CompileLazy').length, ms: total(of('wasm.CompileLazy')), liftoff: total(of('wasm.CompileBaseline')), js: of('V8.CompileCode').length });
  }
  console.log(`  wasm functions compiled lazily on first call (traced, 3 fresh pages, medians): ${median(lazy.map((r) => r.n))} functions, ${ms(median(lazy.map((r) => r.ms)))} (of which compiling ${ms(median(lazy.map((r) => r.liftoff)))})`);
  // The JavaScript functions compiled lazily in the same window: the SDK's
  // carry V8's compile hint (scripts/compile-hint.sh), so these are the
  // bench page's own.
  console.log(`  JavaScript functions compiled lazily in the same window (medians): ${median(lazy.map((r) => r.js))}`);

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
