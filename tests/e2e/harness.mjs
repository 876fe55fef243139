// Shared end-to-end helpers: a real collector process on loopback, serving
// the example site and pkg/, and headless Debian Chromium through playwright-core.
import { spawn, execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const collectorBin = join(root, 'target', 'debug', 'iob-collector');

/**
 * The build the suite runs against: `IOB_E2E_BUILD=lite` (make test-e2e runs
 * the suite once per build) serves the lite build's wasm and ESM entry at
 * the full build's paths (/pkg/index.js, /pkg/iob_sdk_bg.wasm), so every page
 * runs unchanged; tests of what only the full build computes skip with
 * `{ skip: fullOnly }`. (`iob-lite.js` finding `lite/` is tested in tests/pkg.)
 */
export const build = process.env.IOB_E2E_BUILD === 'lite' ? 'lite' : 'full';
/** `skip` option of the tests of full-build features (forms, typing, pointer, automation, vitals, history, segments). */
export const fullOnly = build === 'lite' ? 'the lite build does not compute these features' : false;
/**
 * The features the lite build computes: the `lite` column of docs/features.md
 * (generated from the catalog's LITE_FEATURES; drift-tested).
 */
export function liteFeatures() {
  // The dictionary's rows: | `name` | type | unit | max | lite | definition | purpose |
  // (a `|` inside a cell is escaped as `\|`).
  const cells = (l) => l.split(/(?<!\\)\|/);
  const rows = readFileSync(join(root, 'docs', 'features.md'), 'utf8').split('\n').filter((l) => l.startsWith('| `') && cells(l).length === 9);
  return rows.filter((l) => cells(l)[5].trim() === 'yes').map((l) => l.split('`')[1]);
}

/** Whether the build under test computes feature `name`. */
export function computedByThisBuild(name) {
  return build === 'full' || liteFeatures().includes(name);
}
/** `skip` option of the example apps' tests: they import the npm package's full build (`iob-sdk`). */
export const npmFullBuild = build === 'lite' ? 'the example apps import the full build (iob-sdk)' : false;
/** The directory served at /pkg/. */
export const pkgDir = build === 'lite' ? litePkgView() : join(root, 'pkg');

/** A copy of pkg/ whose entry and wasm are the lite build's; removed at exit. */
function litePkgView() {
  const src = join(root, 'pkg');
  const dir = mkdtempSync(join(tmpdir(), 'iob-e2e-lite-pkg-'));
  for (const f of readdirSync(src)) {
    if (statSync(join(src, f)).isFile()) copyFileSync(join(src, f), join(dir, f));
  }
  mkdirSync(join(dir, 'lite'));
  for (const f of readdirSync(join(src, 'lite'))) copyFileSync(join(src, 'lite', f), join(dir, 'lite', f));
  copyFileSync(join(src, 'lite', 'index.js'), join(dir, 'index.js'));
  copyFileSync(join(src, 'lite', 'iob_sdk_bg.wasm'), join(dir, 'iob_sdk_bg.wasm'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A free TCP port on 127.0.0.1 (the collector's Origin allowlist needs it up front). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the collector serving examples/script-tag at / and pkg/ at /pkg.
 * `origins`: more allowed Origins for site `demo` (pages served from elsewhere).
 * Resolves to { url, origin, port, db, options, stop(), close(), waitForRows(), dump() }.
 */
export async function startCollector({ port, db, extraArgs = [], origins = [] } = {}) {
  port = port ?? (await freePort());
  const dir = db ? null : mkdtempSync(join(tmpdir(), 'iob-e2e-'));
  db = db ?? join(dir, 'e2e.sqlite');
  const origin = `http://127.0.0.1:${port}`;
  const args = [
    '--listen', `127.0.0.1:${port}`, '--db', db, '--site', `demo=${[origin, ...origins].join(',')}`,
    '--read-token', 'e2e-token', '--rate', '100000', '--burst', '100000',
    '--serve', `/=${join(root, 'examples', 'script-tag')}`, '--serve', `/pkg=${pkgDir}`,
    ...extraArgs,
  ];
  const proc = spawn(collectorBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (c) => (log += c));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector did not start within 15 s\n${log}`)), 15000);
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('iob-collector listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited early (${code})\n${log}`));
    });
  });
  const stop = async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    proc.kill('SIGKILL');
  };
  return {
    url: origin,
    origin,
    port,
    db,
    options: { extraArgs, origins },
    stop,
    /** Stops and removes the temporary database. */
    async close() {
      await stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    /** Waits until at least `n` page views are stored; resolves to all stored rows. */
    async waitForRows(n = 1, ms = 5000) {
      return waitFor(async () => {
        const rows = await this.dump();
        return rows.length >= n ? rows : null;
      }, ms, `${n} stored page view(s)`);
    },
    /** Every stored page view (the collector's `dump` subcommand). */
    async dump() {
      const { stdout } = await promisify(execFile)(collectorBin, ['dump', '--db', db]);
      return stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
  };
}

/**
 * Starts a collector again on a stopped one's port, database and options (a
 * collector that was down comes back); closing the new one also removes the
 * old one's files.
 */
export async function restartCollector(down) {
  const up = await startCollector({ port: down.port, db: down.db, ...down.options });
  up.close = async () => {
    await up.stop();
    await down.close();
  };
  return up;
}

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * How much slower than a quiet machine a loaded CI runner may be: every
 * `waitFor` ceiling is multiplied by it. A wait still ends as soon as its
 * condition holds, so passing runs take no longer; only a failure is
 * reported later. (An SPA INP test once failed on a 5 s ceiling.)
 */
const LOADED_RUNNER = 3;

/** Polls `fn` until it returns a truthy value or `ms` × LOADED_RUNNER pass. */
export async function waitFor(fn, ms = 5000, what = 'condition') {
  const end = Date.now() + ms * LOADED_RUNNER;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${ms * LOADED_RUNNER} ms)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Records every request to the ingest path made in a browser context (beacons sent while a page unloads included). */
export function recordIngest(context) {
  const seen = [];
  context.on('request', (r) => {
    if (r.url().includes('/v1/ingest')) seen.push({ method: r.method(), url: r.url(), body: r.postData() ?? '' });
  });
  return seen;
}

/**
 * Registers `before`/`after` hooks that start one collector and one browser
 * for a test file; the returned object holds them once the hooks have run.
 */
export function useCollectorAndBrowser(options) {
  const env = { collector: null, browser: null };
  before(async () => {
    env.collector = await startCollector(options);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.collector?.close();
  });
  return env;
}

/**
 * Chromium started on `url` without DevTools attached (Chromium neither
 * prerenders nor keeps pages in the back/forward cache while DevTools is
 * attached, and Playwright always is): after `settleMs` the test attaches
 * over CDP. Resolves to { browser, close() }; close() also removes the profile.
 */
export async function bareChromium(url, settleMs) {
  const port = await freePort();
  const profile = mkdtempSync(join(tmpdir(), 'iob-bare-'));
  const proc = spawn('/usr/bin/chromium', [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, url], { stdio: 'ignore' });
  const close = async () => {
    await browser?.close().catch(() => {});
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    // Chromium's helper processes may still be writing to the profile for a moment.
    for (let i = 0; i < 20; i++) {
      try {
        rmSync(profile, { recursive: true, force: true });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  let browser = null;
  try {
    await new Promise((r) => setTimeout(r, settleMs));
    browser = await waitFor(() => chromium.connectOverCDP(`http://127.0.0.1:${port}`).catch(() => null), 10000, 'the bare Chromium');
  } catch (e) {
    await close();
    throw e;
  }
  return { browser, close };
}
