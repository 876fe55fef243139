// End-to-end: the `init` options as a page passes them. The facade hands the
// object to the wasm as JSON, the browser's own JSON.parse reads it back
// (web/js/flat.js) and the core validates every option: a list and a
// fraction arrive as the core expects them, and a value of the wrong kind is
// a typed error naming its option. The build under test is IOB_E2E_BUILD's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCollectorAndBrowser, waitFor, recordIngest, build } from './harness.mjs';

const env = useCollectorAndBrowser();
const entry = build === 'lite' ? '/pkg/lite/index.js' : '/pkg/index.js';

/** Calls `init(options)` (the endpoint added) on a plain page; returns the outcome and the posts. */
async function start(options) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const ingest = recordIngest(context);
  await page.goto(`${env.collector.url}/delivery/host-plain.html`);
  const outcome = await page.evaluate(async ([entry, options]) => {
    const { init } = await import(entry);
    try {
      const iob = await init(options);
      iob.flush();
      return { ok: true };
    } catch (e) {
      return { ok: false, name: e.name, field: e.field, message: e.message };
    }
  }, [entry, { endpoint: `${env.collector.url}/v1/ingest`, ...options }]);
  if (outcome.ok) await waitFor(async () => ingest.some((r) => r.method === 'POST'), 5000, 'a payload');
  await context.close();
  const posts = ingest.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body));
  return { outcome, posts };
}

test('a list and a fraction reach the core as options: the path template and ldpEpsilon apply', async () => {
  const { outcome, posts } = await start({
    site: 'demo',
    consent: 'opt-out',
    pathTemplates: ['/users/:name', '/delivery/:page'],
    ldp: 'clicks',
    ldpEpsilon: 0.5,
    snapshotIntervalMs: 30000,
  });
  assert.deepEqual(outcome, { ok: true });
  assert.equal(posts[0].ctx.path, '/delivery/:page', 'the second template of the list matched');
  const clicks = (posts[0].ldp ?? []).find((r) => r.f === 'clicks');
  assert.equal(clicks?.eps_milli, 500, `ε 0.5 for clicks: ${JSON.stringify(posts[0].ldp)}`);
});

for (const [options, field, reason] of [
  [{ site: 'demo', consent: { mode: 'opt-out' } }, 'consent', /must be a string, a whole number or a boolean/],
  [{ site: 'demo', idleTimeoutMs: 1500.5 }, 'idleTimeoutMs', /must be a whole number/],
  [{ site: 'demo', idleTimeoutMs: -3 }, 'idleTimeoutMs', /between 1000 and 600000/],
  [{ site: 'demo', respectGpc: 'sometimes' }, 'respectGpc', /true or false/],
  [{ site: 'demo', pathTemplates: ['users/:name'] }, 'pathTemplates', /does not start with \//],
  [{ site: 'demo', colour: 'red' }, 'colour', /not a known option/],
  [{ consent: 'opt-out' }, 'site', /./],
]) {
  test(`${JSON.stringify(options)}: IobConfigError naming ${field}`, async () => {
    const { outcome, posts } = await start(options);
    assert.equal(outcome.ok, false, JSON.stringify(outcome));
    assert.equal(outcome.name, 'IobConfigError');
    assert.equal(outcome.field, field, outcome.message);
    assert.match(outcome.message, reason);
    assert.equal(posts.length, 0);
  });
}
