// What only the browser shell can get right, checked in Chromium with real
// input on examples/script-tag/test/replay.html: focus moving into an
// iframe, DOM changes inside an open shadow root, a selection removed by a
// click, a navigation that starts but takes long, a return by the back
// button, a page restored from the back/forward cache, the scroll reading of
// an SPA page view, and segments announced by a timer with no event at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startCollector, launchBrowser, bareChromium, waitFor, fullOnly } from './harness.mjs';

let collector;
let browser;
/** A server that accepts connections and never answers: a navigation to it starts and never ends. */
let hanging;
const sockets = new Set();

before(async () => {
  collector = await startCollector();
  browser = await launchBrowser();
  hanging = createServer((socket) => sockets.add(socket));
  await new Promise((r) => hanging.listen(0, '127.0.0.1', r));
});

after(async () => {
  await browser?.close();
  await collector?.close();
  sockets.forEach((s) => s.destroy());
  hanging?.close();
});

/** replay.html with the SDK options `config`; `at` names the page (its URL stays real, so it can be navigated back to). */
const pageUrl = (config, at) => `${collector.url}/test/replay.html?${new URLSearchParams({ config: JSON.stringify(config), at })}`;

async function open(config = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false }));
  const page = await context.newPage();
  await page.goto(pageUrl(config, 'a'));
  await ready(page);
  return { context, page };
}

const ready = (page) => page.waitForFunction(() => window.iob && window.iob.features() !== null);

const features = (page) => page.evaluate(() => window.iob.features());

/**
 * Keeps the browser's own event-timing entries of interactions (>= 40 ms)
 * in `window.seen` as [interactionId, duration, startTime]: the reference
 * the SDK's INP is checked against.
 */
const keepEventEntries = (page) =>
  page.evaluate(() => {
    window.seen = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => e.interactionId > 0 && window.seen.push([e.interactionId, e.duration, e.startTime])))
      .observe({ type: 'event', buffered: true, durationThreshold: 40 });
  });

test('focus moving into an embedded iframe is not leaving the page: active time goes on', async () => {
  const { context, page } = await open();
  await page.evaluate(() => {
    const f = document.createElement('iframe');
    f.srcdoc = '<input id="card" style="width:280px">';
    f.style.cssText = 'position:absolute;top:650px;left:0;width:300px;height:60px;border:0';
    document.body.appendChild(f);
  });
  await page.frameLocator('iframe').locator('#card').waitFor();
  await page.mouse.click(100, 200);
  const t0 = await page.evaluate(() => performance.now());
  await page.frameLocator('iframe').locator('#card').click();
  assert.equal(await page.evaluate(() => document.hasFocus()), true, 'the page keeps focus (in its iframe)');
  await page.waitForTimeout(2000);
  const { f, now } = await page.evaluate(() => ({ f: window.iob.features(), now: performance.now() }));
  assert.ok(f.active_ms >= now - t0 - 150, `active since the click on the page: ${f.active_ms} of ${Math.round(now - t0)} ms`);
  await context.close();
});

test('a DOM change inside an open shadow root answers the click on it', async () => {
  const { context, page } = await open();
  await page.evaluate(() => {
    const host = document.createElement('div');
    host.style.cssText = 'position:absolute;top:650px;left:420px;width:200px;height:60px;user-select:none';
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = '<div id="toggle" style="height:60px;background:#cde">Toggle <span id="state">off</span></div>';
    root.getElementById('toggle').addEventListener('click', () => (root.getElementById('state').textContent = 'on'));
    document.body.appendChild(host);
  });
  await page.mouse.move(500, 670);
  await page.mouse.click(520, 680);
  assert.equal(await page.evaluate(() => document.querySelector('div[style*="420px"]').shadowRoot.getElementById('state').textContent), 'on');
  await page.waitForTimeout(2800);
  const f = await features(page);
  assert.equal(f.clicks, 1);
  assert.equal(f.dead_clicks ?? 0, 0, 'the shadow DOM changed: not a dead click');
  await context.close();
});

test('a page that changes its DOM all the time costs no call into the wasm, and a click is still answered by the change after it', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  // Counts every call the glue makes into the wasm's exports.
  await context.addInitScript(() => {
    window.__wasmCalls = 0;
    const exportsOf = Object.getOwnPropertyDescriptor(WebAssembly.Instance.prototype, 'exports').get;
    const wrapped = new WeakMap();
    Object.defineProperty(WebAssembly.Instance.prototype, 'exports', {
      get() {
        const real = exportsOf.call(this);
        if (!wrapped.has(this)) {
          const counted = {};
          for (const [name, v] of Object.entries(real)) {
            counted[name] = typeof v === 'function' ? (...args) => (window.__wasmCalls++, v(...args)) : v;
          }
          wrapped.set(this, counted);
        }
        return wrapped.get(this);
      },
    });
  });
  const page = await context.newPage();
  await page.goto(pageUrl({}, 'a'));
  await ready(page);
  // A tile that does nothing (no text to select), and a ticking clock: a
  // text and a style attribute change every 20 ms.
  await page.evaluate(() => {
    const tile = document.createElement('div');
    tile.style.cssText = 'position:absolute;top:650px;left:420px;width:200px;height:60px;user-select:none;background:#eee';
    document.body.appendChild(tile);
    const clock = document.createElement('p');
    document.body.appendChild(clock);
    let n = 0;
    window.__tick = setInterval(() => {
      clock.textContent = String(n++);
      clock.style.opacity = String((n % 10) / 10);
    }, 20);
  });
  await page.waitForTimeout(300);
  const before = await page.evaluate(() => window.__wasmCalls);
  await page.waitForTimeout(2000);
  const during = (await page.evaluate(() => window.__wasmCalls)) - before;
  assert.ok(during < 20, `calls into the wasm in 2 s of DOM changes without input: ${during} (about 100 when every change is reported)`);
  // A click on the tile while the clock ticks: the next change answers it.
  await page.mouse.move(500, 670);
  await page.mouse.click(520, 680);
  await page.waitForTimeout(2800);
  assert.equal((await features(page)).dead_clicks ?? 0, 0, 'answered by the clock');
  // The clock stops: the same click now gets no answer.
  await page.evaluate(() => clearInterval(window.__tick));
  await page.waitForTimeout(100);
  await page.mouse.click(520, 680);
  await page.waitForTimeout(2800);
  const f = await features(page);
  assert.equal(f.clicks, 2);
  assert.equal(f.dead_clicks, 1, 'no change after the second click');
  await context.close();
});

test('a click that removes a text selection is answered by that selection change', async () => {
  const { context, page } = await open();
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.id = 'text';
    p.textContent = 'Some text a visitor selects before clicking elsewhere.';
    p.style.cssText = 'position:absolute;top:660px;left:0;margin:0;font-size:20px';
    document.body.appendChild(p);
  });
  // Select a few words by dragging (its own click is answered by the selection).
  await page.mouse.move(5, 670);
  await page.mouse.down();
  await page.mouse.move(200, 672, { steps: 5 });
  await page.mouse.up();
  assert.ok((await page.evaluate(() => String(getSelection()))).length > 3, 'text is selected');
  await page.waitForTimeout(2700);
  const before = (await features(page)).dead_clicks ?? 0;
  // A click on an empty part of the page removes the selection: that is its
  // visible effect (the page answers nothing else). As with a visitor's
  // press, the selection goes when the button goes down, and its
  // selectionchange event is dispatched before the release brings the click.
  await page.evaluate(() => {
    window.changedAt = 0;
    window.clickedAt = 0;
    document.addEventListener('selectionchange', () => (window.changedAt = performance.now()));
    addEventListener('click', () => (window.clickedAt = performance.now()));
  });
  await page.mouse.move(900, 760);
  await page.mouse.down();
  await page.waitForFunction(() => String(getSelection()) === '' && window.changedAt > 0);
  await page.waitForTimeout(80);
  await page.mouse.up();
  const { changedAt, clickedAt } = await page.evaluate(() => ({ changedAt: window.changedAt, clickedAt: window.clickedAt }));
  assert.ok(clickedAt > changedAt && changedAt > 0, `the selection changed at ${changedAt}, before the click at ${clickedAt}`);
  await page.waitForTimeout(2700);
  assert.equal((await features(page)).dead_clicks ?? 0, before, 'the selection change answered the click');
  await context.close();
});

test('a click that starts a navigation is not dead, even when the next page takes long', async () => {
  const { context, page } = await open();
  // The click navigates to a page that never answers; 2.8 s later (past the
  // 2.5 s verdict) the page gives up waiting (window.stop()), so it can be
  // read again (while a navigation is pending, the page cannot be evaluated).
  const slow = `http://127.0.0.1:${hanging.address().port}/slow`;
  await page.evaluate(
    (url) =>
      document.getElementById('plain').addEventListener('click', () => {
        location.href = url;
        setTimeout(() => window.stop(), 2800);
      }),
    slow,
  );
  await page.mouse.move(90, 190);
  await page.mouse.click(100, 200);
  await page.waitForTimeout(3300);
  const f = await features(page);
  assert.equal(f.clicks, 1, 'still on the page: the next one never came');
  assert.equal(f.dead_clicks ?? 0, 0, 'the navigation started at once: it answered the click');
  await context.close();
});

test('back to a page 2 s after leaving it for another page of the site is a quick back', async () => {
  // A multi-page site with analytics (opt-out): A, a link to B, the back
  // button. Playwright's Chromium has no back/forward cache, so A loads again.
  const config = { consent: 'opt-out' };
  const { context, page } = await open(config);
  await page.mouse.click(100, 200);
  await page.goto(pageUrl(config, 'b'));
  await ready(page);
  assert.equal((await features(page)).pageviews, 2, 'the session record counts A');
  await page.waitForTimeout(1500);
  await page.goBack();
  await ready(page);
  const f = await features(page);
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].type), 'back_forward');
  assert.equal(f.quick_backs, 1, 'back on A within 5 s of leaving it');
  assert.equal(f.pageviews, 3);
  await context.close();
});

test('a page restored from the back/forward cache: its started form was not abandoned, and the return is a quick back', { skip: fullOnly }, async () => {
  // Chromium keeps pages out of the back/forward cache while DevTools is
  // attached (Playwright is), so the browser starts bare on bfcache.html,
  // which starts a form, leaves for a second page and comes back by itself;
  // the test attaches afterwards.
  const bare = await bareChromium(`${collector.url}/test/bfcache.html`, 4500);
  try {
    const cdp = bare.browser;
    const page = await waitFor(() => cdp.contexts()[0]?.pages().find((p) => p.url().endsWith('/test/bfcache.html')), 10000, 'page A');
    await page.waitForFunction(() => window.restored === true, null, { timeout: 10000 });
    const { hid, away, f, pv } = await page.evaluate(() => ({
      hid: window.hidPersisted,
      away: window.backAt - window.leftAt,
      f: window.iob.features(),
      pv: JSON.parse(window.iob.explain().last_payload ?? 'null')?.pv,
    }));
    assert.equal(hid, true, 'A went into the cache (pagehide persisted)');
    assert.equal(f.forms_started, 1, JSON.stringify(f));
    assert.equal(f.forms_abandoned ?? 0, 0, 'the page came back with its form: not abandoned');
    assert.equal(f.quick_backs ?? 0, away <= 5000 ? 1 : 0, `away ${Math.round(away)} ms: a quick back when <= 5000`);
    const rows = await waitFor(async () => {
      const r = (await collector.dump()).filter((row) => row.pv === pv);
      return r.length ? r : null;
    }, 8000, `the snapshot of page view ${pv}`);
    assert.equal(rows[0].features.forms_started, 1);
    assert.equal(rows[0].features.forms_abandoned ?? 0, 0, 'the snapshot sent at the pagehide says so too');
  } finally {
    await bare.close();
  }
});

test('an SPA page view takes its own scroll reading at the route change', async () => {
  const { context, page } = await open();
  await page.mouse.move(500, 500);
  await page.mouse.wheel(0, 1200);
  await page.waitForFunction(() => window.scrollY >= 1000);
  await page.waitForTimeout(300);
  await page.evaluate(() => history.pushState(null, '', '/b'));
  await page.waitForTimeout(300);
  const { f, depth } = await page.evaluate(() => ({
    f: window.iob.features(),
    depth: Math.min(100, Math.round(((window.scrollY + window.innerHeight) / document.documentElement.scrollHeight) * 100)),
  }));
  assert.equal(f.route_changes, 1);
  assert.ok(depth > 25, `scrolled: ${depth} %`);
  assert.equal(f.scroll_depth_max_pct, depth, 'the new page view read where the page is');
  await context.close();
});

test("an SPA page view's INP counts only the interactions since its route change", { skip: fullOnly }, async () => {
  const { context, page } = await open();
  // The plain box blocks the main thread for its data-ms on each click, and
  // changes its text, so that each click asks for the paint its
  // event-timing entry waits for (without one, a full-file run once waited
  // 24 s for the browser's entries). The page's own observer keeps the
  // browser's entries: the reference the SDK's value is checked against.
  await page.evaluate(() => {
    const box = document.getElementById('plain');
    let n = 0;
    box.addEventListener('click', () => {
      const until = performance.now() + Number(box.dataset.ms || 0);
      while (performance.now() < until);
      box.textContent = `clicked ${++n}`;
    });
  });
  await keepEventEntries(page);
  const clicks = async (ms, n) => {
    await page.evaluate((v) => (document.getElementById('plain').dataset.ms = String(v)), ms);
    for (let i = 0; i < n; i++) await page.mouse.click(100 + (i % 5) * 40, 150 + (i % 3) * 40);
  };
  await clicks(150, 1);
  // Quick: mostly no entry of >= 40 ms. One whose paint the next slow click
  // delays comes after the change, and started before it: not the new page view's.
  await clicks(0, 60);
  const change = await page.evaluate(() => {
    history.pushState(null, '', '/b');
    return { at: performance.now(), interactions: performance.interactionCount };
  });
  await clicks(300, 1);
  await clicks(120, 1);
  // Two interactions on this page view: web-vitals' index min(1, floor(2 / 50)) = 0, the longest.
  // Counting the whole document's 63 interactions instead would take index 1, the 150 ms click,
  // and never reach 296. Event-timing entries come after the next paint, much later on a loaded
  // machine, so the browser's own entries for both clicks are awaited first.
  const since = async () => (await page.evaluate(() => window.seen)).filter(([, , start]) => start >= change.at);
  await waitFor(async () => new Set((await since()).map(([id]) => id)).size >= 2, 8000, "the browser's entries of both clicks after the route change");
  const longest = Math.max(...(await since()).map(([, duration]) => duration));
  assert.ok(longest >= 296, `the browser measured the 300 ms click: ${longest} ms`);
  // The SDK's observer is told in the same task as the page's.
  await page.waitForTimeout(300);
  const f = await features(page);
  const detail = JSON.stringify({ change, seen: await page.evaluate(() => window.seen), inp_ms: f.inp_ms });
  assert.equal(f.route_changes, 1);
  assert.equal(await page.evaluate(() => performance.interactionCount), change.interactions + 2, detail);
  assert.equal(f.inp_ms, Math.round(longest), `INP is the longest interaction since the change: ${detail}`);
  await context.close();
});

test('a slow click that changes the route counts where it started: in the old page view\'s INP, sent again, not in the new one\'s', { skip: fullOnly }, async () => {
  // Analytics by opt-out: snapshots go.
  const { context, page } = await open({ consent: 'opt-out' });
  // The plain box's first click blocks for 260 ms and then changes the
  // route: it started on the first page view, and its event-timing entry
  // comes with the next paint, after the change. Later clicks block for
  // 90 ms. Each click changes the box's text, so that it asks for a paint
  // (the browser's entry waits for one). The page's own observer keeps the
  // browser's entries.
  await page.evaluate(() => {
    const box = document.getElementById('plain');
    window.change = null;
    box.addEventListener('click', () => {
      const until = performance.now() + (window.change ? 90 : 260);
      while (performance.now() < until);
      box.textContent = `clicked at ${Math.round(until)}`;
      if (!window.change) {
        history.pushState(null, '', '/b');
        window.change = performance.now();
      }
    });
  });
  await keepEventEntries(page);
  await page.evaluate(() => {
    window.payloads = [];
    window.iob.on('payload', (p) => window.payloads.push(p));
  });
  await page.mouse.click(100, 150);
  await page.mouse.click(140, 190);
  const entries = async () => {
    const { seen, change } = await page.evaluate(() => ({ seen: window.seen, change: window.change }));
    const ids = (keep) => new Set(seen.filter(keep).map(([id]) => id));
    return { seen, change, before: ids(([, , start]) => start < change), after: ids(([, , start]) => start >= change) };
  };
  await waitFor(async () => {
    const e = await entries();
    return e.before.size >= 1 && e.after.size >= 1;
  }, 8000, "the browser's entries of the click that changed the route and of the one after it");
  const { seen, change } = await entries();
  const slow = Math.max(...seen.filter(([, , start]) => start < change).map(([, d]) => d));
  const since = Math.max(...seen.filter(([, , start]) => start >= change).map(([, d]) => d));
  assert.ok(slow >= 256 && since < slow, `the browser measured the route's click ${slow} ms, the next ${since} ms`);
  await page.waitForTimeout(300);
  const f = await features(page);
  const detail = JSON.stringify({ change, seen, inp_ms: f.inp_ms });
  assert.equal(f.route_changes, 1, detail);
  assert.equal(f.inp_ms, Math.round(since), `INP is the click since the change, not the one that made it: ${detail}`);
  // The old page view's snapshot went at the change, before the click's
  // entry came; it goes again with the click in its INP, as posted and as stored.
  const old = (await page.evaluate(() => window.payloads)).filter((p) => p.ctx.path === '/test/replay.html');
  assert.ok(old.length >= 2, `the old page view was sent at the change and again: ${JSON.stringify(old.map((p) => [p.seq, p.f.inp_ms]))}`);
  const last = old[old.length - 1];
  assert.equal(last.f.inp_ms, Math.round(slow), `the route's click is the old page view's INP: ${JSON.stringify({ slow, seq: last.seq, f: last.f })}`);
  assert.equal(new Set(old.map((p) => p.pv)).size, 1, 'one page view');
  const rows = await waitFor(async () => {
    const r = (await collector.dump()).filter((row) => row.pv === last.pv && row.seq === last.seq);
    return r.length ? r : null;
  }, 8000, `the stored snapshot ${last.pv}.${last.seq}`);
  assert.equal(rows[0].features.inp_ms, Math.round(slow));
  await context.close();
});

test('a route change takes the entries the browser has already made: the old page view\'s last snapshot has its slow click', { skip: fullOnly }, async () => {
  // The page's own observer, made before the SDK's, is told of an entry
  // first; it changes the route as it learns of the slow click, while the
  // SDK's observer has yet to be told. (Analytics by opt-out: snapshots go.)
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false });
    window.seen = [];
    new PerformanceObserver((l) =>
      l.getEntries().forEach((e) => {
        if (!(e.interactionId > 0)) return;
        window.seen.push([e.interactionId, e.duration, e.startTime]);
        if (e.duration >= 200 && location.pathname !== '/c') history.pushState(null, '', '/c');
      }),
    ).observe({ type: 'event', durationThreshold: 40 });
  });
  const page = await context.newPage();
  await page.goto(pageUrl({ consent: 'opt-out' }, 'a'));
  await ready(page);
  await page.evaluate(() => {
    window.payloads = [];
    window.iob.on('payload', (p) => window.payloads.push(p));
    const box = document.getElementById('plain');
    box.addEventListener('click', () => {
      const until = performance.now() + 230;
      while (performance.now() < until);
      box.textContent = 'clicked'; // asks for the paint the browser's entry waits for
    });
  });
  await page.mouse.click(100, 150);
  await page.waitForFunction(() => location.pathname === '/c', null, { timeout: 8000 });
  const slow = Math.max(...(await page.evaluate(() => window.seen)).map(([, d]) => d));
  // The old page view's last snapshot, as handed to the transport and as stored.
  const sent = (await page.evaluate(() => window.payloads)).filter((p) => p.ctx.path === '/test/replay.html');
  assert.ok(sent.length > 0, 'the old page view sent its last snapshot at the change');
  const last = sent[sent.length - 1];
  const detail = JSON.stringify({ slow, pv: last.pv, seq: last.seq, f: last.f });
  assert.equal(last.f.inp_ms ?? 0, Math.round(slow), `the slow click is the old page view's INP: ${detail}`);
  const rows = await waitFor(async () => {
    const r = (await collector.dump()).filter((row) => row.pv === last.pv && (row.features.inp_ms ?? 0) > 0);
    return r.length ? r : null;
  }, 8000, `the stored snapshot of page view ${last.pv}: ${detail}`);
  assert.equal(rows[rows.length - 1].features.inp_ms, Math.round(slow));
  assert.equal((await features(page)).inp_ms ?? 0, 0, 'and not the new one\'s');
  await context.close();
});

test('a segment that time alone changes is announced by a timer (bouncer at 5 s, no event)', { skip: fullOnly }, async () => {
  const { context, page } = await open();
  // Nothing happens on the page: no input, no features() call.
  await page.waitForFunction(() => performance.now() > 6200, null, { timeout: 10000, polling: 500 });
  // (The first evaluation, by the features() call that waited for the SDK, announced no segment.)
  const announced = (await page.evaluate(() => window.segments)).filter(([, s]) => s !== null);
  assert.equal(announced.length, 1, JSON.stringify(announced));
  const [at, segment] = announced[0];
  assert.equal(segment, 'bouncer');
  assert.ok(at >= 5000 && at < 6200, `announced at ${at} ms: within a second of total_ms reaching 5000`);
  await context.close();
});
