// JavaScript compilation of built packages, compared: `node
// tests/bench/compile.mjs PKGDIR... [--pages N]` (each PKGDIR a built pkg/,
// e.g. one made with IOB_PKG_OUT). One fresh browser context per page, the
// packages in turn, N rounds (default 9). Each page loads the script tag,
// waits for the SDK, clicks and reads features() and explain(), traced.
// Prints, per package, the medians of the JS compile time on the renderer's
// main thread (the outermost V8 compile and parse events: functions
// compiled lazily on first call, and scripts and modules compiled there),
// their number, and the compile time on other threads (a module streamed
// and compiled in the background). Tracing slows compilation: read the
// numbers against each other, not as absolute costs.
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve, launch, dirsAndPages } from './serve.mjs';

const { dirs: args, rounds } = dirsAndPages('node tests/bench/compile.mjs PKGDIR... [--pages N]', 9);
const PAGE = `<!doctype html><html><head>
<script defer src="pkg/iob.js" data-site="bench" data-endpoint="/v1/ingest"></script>
</head><body><button id="b" type="button">A button</button><p>Some text.</p></body></html>`;
const roots = [];
for (const dir of args) {
  const root = await mkdtemp(join(tmpdir(), 'iob-compile-'));
  await symlink(resolve(dir), join(root, 'pkg'));
  await writeFile(join(root, 'bench.html'), PAGE);
  roots.push(root);
}
const servers = await Promise.all(roots.map(serve));
const browser = await launch();
const results = args.map(() => []);
try {
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of servers.entries()) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await browser.startTracing(page, { categories: ['disabled-by-default-v8.compile'] });
      await page.goto(s.url);
      await page.waitForFunction(() => window.iob && window.iob.features() !== null);
      await page.evaluate(() => {
        document.getElementById('b').click();
        window.iob.features();
        window.iob.explain();
      });
      const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
      await context.close();
      const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
      const compiles = events.filter((e) => e.ph === 'X' && /^V8\.(Compile|Parse)/.test(e.name)).sort((a, b) => a.ts - b.ts);
      let main = 0, count = 0, other = 0, end = 0;
      for (const e of compiles) {
        if (!mains.has(`${e.pid}:${e.tid}`)) other += e.dur;
        else if (e.ts >= end) {
          main += e.dur;
          count++;
          end = e.ts + e.dur;
        }
      }
      results[i].push({ main: main / 1000, count, other: other / 1000 });
    }
  }
} finally {
  await browser.close();
  servers.forEach((s) => s.close());
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
args.forEach((dir, i) => {
  const r = results[i];
  console.log(`${dir}: ${rounds} fresh pages, medians: main-thread JS compile ${median(r.map((x) => x.main)).toFixed(2)} ms in ${median(r.map((x) => x.count))} compilations; other threads ${median(r.map((x) => x.other)).toFixed(2)} ms`);
});
