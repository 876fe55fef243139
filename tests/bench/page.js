// Runs inside headless Chromium: dispatches synthetic DOM events to window,
// body and an element through the SDK's real listeners and reports per-event
// timings and the wasm memory size. To be fair on a shared, noisy machine the
// three configurations are interleaved in rounds: no listener at all (the
// browser's dispatch), one no-op JS listener per event type (the floor of any
// listener-based SDK), and the SDK.
import init, { Iob } from './iob_sdk.js';

const BATCH = 10000;
const NAMES = ['pointermove', 'wheel', 'keydown', 'scroll', 'click'];

// A fixed mix per 10 events: 6 pointer moves, 1 wheel, 1 key, 1 scroll, 1 click.
function makeMix() {
  const tile = document.getElementById('tile');
  const mix = [];
  for (let i = 0; i < 6; i++) mix.push([window, new PointerEvent('pointermove', { clientX: 100 + i * 7, clientY: 200 + i * 3, bubbles: true })]);
  mix.push([window, new WheelEvent('wheel', { deltaY: 40, bubbles: true })]);
  mix.push([document.body, new KeyboardEvent('keydown', { key: 'a', bubbles: true })]);
  mix.push([window, new Event('scroll')]);
  mix.push([tile, new MouseEvent('click', { clientX: 50, clientY: 50, bubbles: true })]);
  return mix;
}

// Events are created once and re-dispatched (dispatch does not consume them),
// so only dispatch + listeners are timed. Returns ns/event of each batch.
function run(mix, total) {
  const out = [];
  for (let done = 0; done < total; done += BATCH) {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) {
      const [target, ev] = mix[i % 10];
      target.dispatchEvent(ev);
    }
    out.push(((performance.now() - t0) * 1e6) / BATCH);
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

const config = JSON.stringify({ site: 'bench', endpoint: '/v1/ingest' });

window.bench = async (total) => {
  const exports = await init();
  const mem = () => exports.memory.buffer.byteLength;
  const mix = makeMix();
  const noop = () => {};
  const rounds = 5;
  const per = total / rounds;
  const base = [];
  const floor = [];
  const sdk = [];
  run(mix, per); // warm-up
  for (let r = 0; r < rounds; r++) {
    base.push(...run(mix, per));
    NAMES.forEach((n) => window.addEventListener(n, noop, { passive: true, capture: true }));
    floor.push(...run(mix, per));
    NAMES.forEach((n) => window.removeEventListener(n, noop, { capture: true }));
    const iob = new Iob(config, () => {});
    sdk.push(...run(mix, per));
    iob.shutdown();
    iob.free();
  }
  // One instance through a full million, then another: memory must stay flat.
  const iob = new Iob(config, () => {});
  const memStart = mem();
  const long = run(mix, total);
  const memAfter = mem();
  run(mix, total);
  const memAfter2 = mem();
  const features = JSON.parse(iob.features());
  iob.shutdown();
  return {
    total,
    baseline: median(base),
    floor: median(floor),
    withSdk: median(sdk),
    longRun: median(long),
    memStart,
    memAfter,
    memAfter2,
    features,
  };
};
