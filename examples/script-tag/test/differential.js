// The page of tests/e2e/web-vitals.test.mjs: Google's web-vitals (served at
// /wv/ by the test) measures the same page as the SDK, with reportAllChanges,
// so window.wv always holds its latest LCP, CLS and INP. The page paints
// candidates for LCP, shifts its layout, and has a tile whose click handler
// blocks the main thread for the time in its data-ms attribute. The test
// drives the visibility (headless Chromium keeps the page visible) with
// window.setHidden(), installed before any script by the test.
import { onLCP, onCLS, onINP } from '/wv/web-vitals.js';

window.wv = {};
// Every LCP entry the browser reports, with its start time (what the test
// checks the session produced).
window.lcpStarts = [];
new PerformanceObserver((l) => l.getEntries().forEach((e) => window.lcpStarts.push(e.startTime))).observe({
  type: 'largest-contentful-paint',
  buffered: true,
});
onLCP((m) => (window.wv.lcp = m.value), { reportAllChanges: true });
onCLS((m) => (window.wv.cls = m.value), { reportAllChanges: true });
onINP((m) => (window.wv.inp = m.value), { reportAllChanges: true });

const $ = (id) => document.getElementById(id);
/**
 * An image of w x h CSS px: random pixels as a PNG data URL (no request;
 * detailed enough to count for LCP, which ignores low-entropy images).
 */
const image = (w, h) => {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const data = ctx.createImageData(w, h);
  for (let i = 0; i < data.data.length; i++) data.data[i] = i % 4 === 3 ? 255 : (Math.random() * 256) | 0;
  ctx.putImageData(data, 0, 0);
  const img = new Image(w, h);
  img.src = canvas.toDataURL('image/png');
  return img;
};

setTimeout(() => $('hero').appendChild(image(500, 200)), 200);
setTimeout(() => ($('late').textContent = 'A late paragraph that becomes a large text block. '.repeat(14)), 450);
setTimeout(() => ($('banner').style.height = '60px'), 600);
setTimeout(() => ($('banner').style.height = '110px'), 900);

$('slow').addEventListener('click', () => {
  const tile = $('slow');
  tile.dataset.ran = String(Number(tile.dataset.ran || 0) + 1);
  const until = performance.now() + Number(tile.dataset.ms || 0);
  while (performance.now() < until);
});
$('fast').addEventListener('click', () => ($('fast').dataset.n = String(Number($('fast').dataset.n || 0) + 1)));

/** The test's hooks: a larger image, and another layout shift. */
window.paintLarger = () => document.body.prepend(image(900, 520));
window.shift = (px) => ($('banner').style.height = `${px}px`);
