// What the browser benchmarks of `make bench` share: a loopback server for a
// bench build's directory and the headless Debian Chromium they run in.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/**
 * Serves `dir` on 127.0.0.1, cross-origin isolated (so `performance.now()`
 * has 5 µs resolution, 100 µs otherwise).
 * @returns {Promise<{ url: string, close: () => void }>} `url`: the bench page
 */
export async function serve(dir) {
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '') || 'bench.html';
      const body = await readFile(join(dir, path.replace(/\.\./g, '')));
      res.writeHead(200, {
        'content-type': TYPES[extname(path)] || 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/bench.html`, close: () => server.close() };
}

/** Headless Debian Chromium. */
export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/**
 * Runs the bench page's `window[fn]()` on a fresh page of `url`; its result,
 * or what `around(page, run)` returns when given (it calls `run()` itself,
 * e.g. between starting and stopping a trace).
 */
export async function onFreshPage(browser, url, fn, around = (_page, run) => run()) {
  const p = await browser.newPage();
  try {
    await p.goto(url);
    await p.waitForFunction((name) => typeof window[name] === 'function', fn);
    return await around(p, () => p.evaluate((name) => window[name](), fn));
  } finally {
    await p.close();
  }
}

/**
 * The command line of the A/B benchmarks: directories to compare and
 * `--pages N` (fresh pages per directory, default `pages`); prints `usage`
 * and exits when there is no directory or N is not a positive number.
 * @returns {{ dirs: string[], rounds: number }}
 */
export function dirsAndPages(usage, pages) {
  const dirs = process.argv.slice(2);
  const at = dirs.indexOf('--pages');
  const rounds = at >= 0 ? Number(dirs.splice(at, 2)[1]) : pages;
  if (!dirs.length || !(rounds > 0)) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return { dirs, rounds };
}
