// End-to-end: the collector's dashboard in headless Chromium.
// Starts target/debug/iob-collector (build it first: `cargo build -p iob-collector`)
// on 127.0.0.1:0 with a temporary database, fills it through the real ingest
// path with the `simulate` subcommand, then checks that every chart shows the
// numbers of the read API, and saves tests/artifacts/dashboard.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'target', 'debug', 'iob-collector');
const TOKEN = 'e2e-dashboard-token-5f2c';
const ORIGIN = 'http://demo.test';

let dir;
let server;
let base;
let browser;

function startCollector() {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, [
      '--listen', '127.0.0.1:0', '--db', join(dir, 'e2e.sqlite'), '--site', `demo=${ORIGIN}`,
      '--read-token', TOKEN, '--rate', '100000', '--burst', '100000',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error('collector did not start within 15 s')), 15000);
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/iob-collector listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve({ proc, url: m[1] }); }
    });
    proc.stderr.resume();
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`collector exited early (${code})`)); });
  });
}

async function features(query) {
  const res = await fetch(`${base}/v1/features?${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return res.json();
}

before(async () => {
  assert.ok(existsSync(bin), `${bin} is missing: run cargo build -p iob-collector`);
  dir = mkdtempSync(join(tmpdir(), 'iob-dashboard-'));
  server = await startCollector();
  base = server.url;
  const { stdout } = await promisify(execFile)(bin, ['simulate', '--url', base, '--origin', ORIGIN, '--visitors', '250', '--days', '7']);
  assert.match(stdout, /0 failed/);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  if (server) {
    const exited = new Promise((r) => server.proc.once('exit', r));
    server.proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    server.proc.kill('SIGKILL');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every bar of a chart: key, series, exact value, drawn width. */
async function bars(page, chart) {
  const svg = page.locator(`svg[data-chart="${chart}"]`);
  assert.ok(await svg.isVisible(), `chart ${chart} is visible`);
  return svg.locator('rect[data-series]').evaluateAll((rects) => rects.map((r) => ({
    key: r.dataset.key, series: r.dataset.series, value: Number(r.dataset.value), width: r.getBBox().width,
  })));
}

/** Asserts a chart shows exactly `expected` ({key, series, value}) with proportional bars. */
async function assertChart(page, chart, expected) {
  const got = await bars(page, chart);
  assert.ok(expected.length > 0, `${chart}: the API has data`);
  assert.deepEqual(got.map(({ key, series, value }) => ({ key, series, value })), expected, chart);
  const max = Math.max(...got.map((b) => b.value));
  for (const b of got) {
    if (b.value === max && max > 0) assert.ok(b.width > 300, `${chart}: the largest bar spans the chart`);
    if (b.value === 0) assert.equal(b.width, 0, `${chart}: zero is drawn empty`);
  }
}

const perGroup = (report, series) => report.groups.flatMap((g) => series.map(([name, f]) => ({ key: g.key, series: name, value: f(g) })));
const PURPOSES = ['security', 'analytics', 'personalization', 'marketing'];

test('dashboard charts show the read API numbers', async () => {
  const [byDay, byPath, all] = await Promise.all(['day', 'path', 'all'].map((g) => features(`group_by=${g}`)));
  assert.ok(byDay.groups.length >= 5 && byPath.groups.length >= 5, 'seeded data spans days and pages');
  // The dashboard lists pages by page views, most first (stable for ties).
  byPath.groups.sort((a, b) => b.pageviews - a.pageviews);
  const reports = { day: byDay, page: byPath };
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  const res = await page.goto(`${base}/dashboard?token=${TOKEN}`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'], /^default-src 'none'/);

  const total = all.groups[0];
  assert.equal(await page.locator('[data-tile="pageviews"] b').textContent(), String(total.pageviews));
  assert.equal(await page.locator('[data-tile="pseudonyms"] b').textContent(), String(total.pseudonyms));

  // Every chart on the page, whatever features the catalog has today.
  const charts = await page.locator('svg[data-chart]').evaluateAll((svgs) => svgs.map((s) => s.dataset.chart));
  for (const id of ['pageviews-by-day', 'active_ms-hist', 'active_ms-by-day', 'active_ms-by-page', 'scroll_depth_max_pct-hist',
    'scroll_depth_max_pct-by-day', 'scroll_depth_max_pct-by-page', 'clicks-by-page', 'consent-by-day', 'consent-by-page']) {
    assert.ok(charts.includes(id), `chart ${id} is rendered`);
  }
  for (const id of charts) {
    let m;
    if (id === 'pageviews-by-day') {
      await assertChart(page, id, perGroup(byDay, [['pageviews', (g) => g.pageviews], ['pseudonyms', (g) => g.pseudonyms]]));
    } else if ((m = id.match(/^consent-by-(day|page)$/))) {
      await assertChart(page, id, perGroup(reports[m[1]], PURPOSES.map((p) => [p, (g) => g.consent[p]])));
    } else if ((m = id.match(/^(.+)-hist$/))) {
      const hist = await bars(page, id);
      assert.deepEqual(hist.map((b) => b.value), total.features[m[1]].hist.map((b) => b.count), id);
    } else if ((m = id.match(/^(.+)-by-(day|page)$/))) {
      const series = [...new Set((await bars(page, id)).map((b) => b.series))];
      assert.ok(series.every((x) => ['p50', 'p90', 'mean', 'share'].includes(x)), `${id}: ${series}`);
      await assertChart(page, id, perGroup(reports[m[2]], series.map((x) => [x, (g) => g.features[m[1]][x]])));
    } else {
      assert.fail(`unexpected chart ${id}`);
    }
  }

  // Features the SDK does not send yet are placeholders, not fake charts.
  const placeholders = await page.locator('[data-placeholder]').evaluateAll((ps) => ps.map((p) => ({
    text: p.textContent, names: [...p.querySelectorAll('code')].map((c) => c.textContent),
  })));
  for (const p of placeholders) {
    assert.match(p.text, /Not yet collected/);
    for (const name of p.names) assert.ok(!(name in total.features), `${name} is in the API but shown as not collected`);
  }
  const rows = await page.locator('table[data-table="features-by-page"] tbody tr').count();
  assert.equal(rows, Math.min(25, byPath.groups.length), 'top 25 pages in the table');

  mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
  await page.screenshot({ path: join(root, 'tests', 'artifacts', 'dashboard.png'), fullPage: true });
  assert.deepEqual(problems, [], 'no console errors or CSP violations');
  await page.close();
});

test('the filter form and CSV link work under the strict CSP', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/dashboard?token=${TOKEN}`);
  await page.fill('input[name="path"]', '/pricing');
  await Promise.all([page.waitForURL(/path=%2Fpricing/), page.click('button')]);
  const filtered = await features('group_by=all&path=/pricing');
  assert.equal(await page.locator('[data-tile="pageviews"] b').textContent(), String(filtered.groups[0].pageviews));
  const href = await page.locator('a', { hasText: 'by path' }).getAttribute('href');
  const csv = await (await fetch(new URL(href, base))).text();
  assert.match(csv.split('\n')[1], /^"\/pricing",/);
  await page.close();
});
